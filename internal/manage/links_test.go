package manage

import (
	"net/http"
	"testing"
	"time"

	"example.com/appointments/internal/actionlink"
	"example.com/appointments/internal/appointment"
)

// TestPageLinksDoNotOutliveTheirOpener: the links a page offers for an
// open request expire no later than the link that opened the page, so a
// link about to expire cannot be traded for fresh ones, page after page.
func TestPageLinksDoNotOutliveTheirOpener(t *testing.T) {
	f := newFixture(t)
	expires := f.now.Add(5 * time.Second).Truncate(time.Second)
	opener := PathPrefix + "contact/" + f.links.Sign(actionlink.Claims{RequestID: f.r.ID, Action: appointment.ActionContact,
		Audience: appointment.AudienceFrontDesk, Expires: expires})
	// Follow the links each page offers, breadth first, a few pages deep.
	seen := map[string]bool{opener: true}
	queue := []string{opener}
	for depth := 0; depth < 3 && len(queue) > 0; depth++ {
		var next []string
		for _, page := range queue {
			resp := f.do(t, http.MethodGet, page, nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %d", page, resp.StatusCode)
			}
			for a, links := range pageLinks(resp.Body) {
				for _, link := range links {
					if got := f.linkClaims(t, a, link).Expires; got.After(expires) {
						t.Errorf("a page opened with a link valid until %v offers a %s link valid until %v", expires, a, got)
					}
					if !seen[link] {
						seen[link] = true
						next = append(next, link)
					}
				}
			}
		}
		queue = next
	}
	if len(seen) < 3 {
		t.Fatalf("the pages offered %d links in all, want at least the schedule and decline links", len(seen)-1)
	}
}

// TestRescheduleLinksLastUntilAWeekAfter: for a scheduled request, the
// front desk's links stay valid until 7 days after the appointment, as
// the spec's rule says, whichever link opened the page: no longer, even
// when the page was opened with a link that had longer to run.
func TestRescheduleLinksLastUntilAWeekAfter(t *testing.T) {
	f := newFixture(t)
	f.schedule(t)
	r := f.stored(t)
	want := r.Booking.End().Add(7 * 24 * time.Hour)
	for _, a := range []appointment.Action{appointment.ActionContact, appointment.ActionSchedule, appointment.ActionDecline} {
		opener := f.h.Link(f.r.ID, a, f.now)
		resp := f.do(t, http.MethodGet, opener, nil)
		links := pageLinks(resp.Body)[appointment.ActionReschedule]
		if len(links) != 1 {
			t.Fatalf("the %s page of a scheduled request offers reschedule links %q, want one", a, links)
		}
		if got := f.linkClaims(t, appointment.ActionReschedule, links[0]).Expires; !got.Equal(want) {
			t.Errorf("the %s page offers a reschedule link valid until %v, want %v, 7 days after the appointment", a, got, want)
		}
	}
}
