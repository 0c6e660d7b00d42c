package manage

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/local/localstore"
)

// TestRescheduleLinkActsOnce: a reschedule link moves the appointment
// once. Posted again, with another time, it changes nothing, sends
// nothing, and says it was used; the page offers a fresh link to move the
// appointment again.
func TestRescheduleLinkActsOnce(t *testing.T) {
	f := newFixture(t)
	f.schedule(t)
	link := f.h.Link(f.r.ID, appointment.ActionReschedule, f.now)
	if resp := f.do(t, http.MethodPost, link, moved("10:30")); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("first reschedule: %d\n%s", resp.StatusCode, resp.Body)
	}
	for _, clock := range []string{"11:30", "12:30"} {
		resp := f.do(t, http.MethodPost, link, moved(clock))
		if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Body, "This link has been used") {
			t.Errorf("the same link posted again for %s: %d\n%s", clock, resp.StatusCode, resp.Body)
		}
	}
	r := f.stored(t)
	if len(r.History) != 2 || r.Booking.Start.In(f.h.profile.Zone()).Format("15:04") != "10:30" {
		t.Fatalf("after posting one reschedule link three times: %d changes, booked at %v", len(r.History), r.Booking.Start)
	}
	page := f.do(t, http.MethodGet, link+"?done=1", nil)
	if strings.Contains(page.Body, `method="post"`) {
		t.Errorf("the page of a used reschedule link still offers its form:\n%s", page.Body)
	}
	again := pageLinks(page.Body)[appointment.ActionReschedule]
	if len(again) != 1 || again[0] == link {
		t.Fatalf("the page of a used reschedule link offers %q, want one fresh reschedule link", again)
	}
	if resp := f.do(t, http.MethodPost, again[0], moved("11:30")); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the fresh link: %d\n%s", resp.StatusCode, resp.Body)
	}
	if r := f.stored(t); len(r.History) != 3 {
		t.Errorf("after the fresh link: %d changes, want 3", len(r.History))
	}
}

// TestRescheduleThatChangesNothing: a reschedule to the booking as it
// stands, spaces around the note aside, is refused with a page that says
// so; nothing is recorded, so no email goes out.
func TestRescheduleThatChangesNothing(t *testing.T) {
	f := newFixture(t)
	f.schedule(t)
	same := moved("09:30")
	same.Set("note", "  Wear shorts.\r\n")
	resp := f.do(t, http.MethodPost, f.h.Link(f.r.ID, appointment.ActionReschedule, f.now), same)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, "Nothing would change") {
		t.Errorf("a reschedule to the same booking: %d\n%s", resp.StatusCode, resp.Body)
	}
	if r := f.stored(t); len(r.History) != 1 {
		t.Errorf("a reschedule that changes nothing was recorded: %d changes", len(r.History))
	}
}

// TestReschedulesPerDay: one request may be moved ReschedulesPerDay
// times in any 24 hours, each from a fresh link; the next is refused with
// a page that says when it can be moved again, and a day later it can.
func TestReschedulesPerDay(t *testing.T) {
	f := newFixture(t)
	f.schedule(t)
	clocks := []string{"10:00", "10:30", "11:00", "11:30", "12:00"}
	first := f.now.Add(time.Minute)
	for i, clock := range clocks {
		f.now = f.now.Add(time.Minute)
		resp := f.do(t, http.MethodPost, f.h.Link(f.r.ID, appointment.ActionReschedule, f.now), moved(clock))
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("reschedule %d: %d\n%s", i+1, resp.StatusCode, resp.Body)
		}
	}
	f.now = f.now.Add(time.Minute)
	resp := f.do(t, http.MethodPost, f.h.Link(f.r.ID, appointment.ActionReschedule, f.now), moved("12:30"))
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(resp.Body, "5 times") || resp.Headers["Retry-After"] == "" {
		t.Errorf("reschedule 6 in a day: %d (Retry-After %q)\n%s", resp.StatusCode, resp.Headers["Retry-After"], resp.Body)
	}
	if r := f.stored(t); len(r.History) != 1+len(clocks) {
		t.Fatalf("after the refused reschedule: %d changes, want %d", len(r.History), 1+len(clocks))
	}
	// A day after the first of them, that one no longer counts: one more
	// is allowed, and the one after it is not.
	f.now = first.Add(24*time.Hour + 30*time.Second)
	if resp := f.do(t, http.MethodPost, f.h.Link(f.r.ID, appointment.ActionReschedule, f.now), moved("12:30")); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("reschedule a day after the first: %d\n%s", resp.StatusCode, resp.Body)
	}
	// A link made a second later is another link.
	f.now = f.now.Add(time.Second)
	if resp := f.do(t, http.MethodPost, f.h.Link(f.r.ID, appointment.ActionReschedule, f.now), moved("13:00")); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("the reschedule after it: %d, want %d", resp.StatusCode, http.StatusTooManyRequests)
	}
}

// raceStore lets another post of the same link land between the
// handler's read and its write.
type raceStore struct {
	*localstore.Store
	first func(before appointment.Request) appointment.Request
}

func (s *raceStore) Transition(ctx context.Context, before, after appointment.Request) error {
	if s.first != nil {
		first := s.first(before)
		s.first = nil
		if err := s.Store.Transition(ctx, before, first); err != nil {
			return err
		}
	}
	return s.Store.Transition(ctx, before, after)
}

// TestRescheduleLinkRacingItself: two posts of one reschedule link at
// once, as from two tabs, move the appointment once; the second reads the
// request again, finds the link used, and says so.
func TestRescheduleLinkRacingItself(t *testing.T) {
	f := newFixture(t)
	f.schedule(t)
	link := f.h.Link(f.r.ID, appointment.ActionReschedule, f.now)
	claims := f.linkClaims(t, appointment.ActionReschedule, link)
	f.h.store = &raceStore{Store: f.store, first: func(before appointment.Request) appointment.Request {
		cmd, err := f.h.rules.Command(appointment.ActionReschedule, appointment.AudienceFrontDesk, appointment.DeskForm(moved("10:30")), f.now)
		if err != nil {
			t.Fatal(err)
		}
		cmd.Link = claims.Link
		after, _, err := f.h.rules.Apply(before, cmd, f.now)
		if err != nil {
			t.Fatal(err)
		}
		return after
	}}
	resp := f.do(t, http.MethodPost, link, moved("11:30"))
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Body, "This link has been used") {
		t.Errorf("the post that lost the race: %d\n%s", resp.StatusCode, resp.Body)
	}
	r := f.stored(t)
	if len(r.History) != 2 || r.Booking.Start.In(f.h.profile.Zone()).Format("15:04") != "10:30" {
		t.Errorf("after the race: %d changes, booked at %v; want one move, to 10:30", len(r.History), r.Booking.Start)
	}
}
