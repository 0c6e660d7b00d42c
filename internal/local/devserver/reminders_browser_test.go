package devserver

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"example.com/appointments/internal/appointment"
)

// focusedControl describes what has the focus in the page: the element's
// tag name and its text, which names a button.
const focusedControl = `(() => {
	const e = document.activeElement;
	return e.tagName + " " + e.textContent.trim();
})()`

// pressWithKeyboard tabs from wherever the focus is to the button named
// name and presses key on it, as a keyboard user sends a form, and returns
// the status of the page the browser ends on.
func pressWithKeyboard(t *testing.T, ctx context.Context, name, key string) int64 {
	t.Helper()
	want := "BUTTON " + name
	var passed []string
	for i := 0; ; i++ {
		if i == maxOutboxTabStops {
			t.Fatalf("Tab never reached %q; it went through %q", want, passed)
		}
		browserDo(t, ctx, "press Tab", chromedp.KeyEvent(kb.Tab))
		got := browserRun(t, ctx, "read the focus", chromedp.Evaluate[string](focusedControl))
		if got == want {
			break
		}
		passed = append(passed, got)
	}
	resp, err := chromedp.RunResponse(ctx, chromedp.KeyEvent(key))
	if err != nil {
		t.Fatalf("press %q on %q: %v", key, name, err)
	}
	return resp.Status
}

// smallTargets lists the requests page's reminder and clock buttons
// smaller than 24 by 24 CSS pixels, the least WCAG 2.2 asks of a target.
const smallTargets = `[...document.querySelectorAll(".reminders button")]
	.filter(b => { const r = b.getBoundingClientRect(); return r.width < 24 || r.height < 24; })
	.map(b => b.textContent.trim())`

// TestBrowserRemindersWithKeyboardOnly: the requests page's reminders and
// clock section, by keyboard alone: "Send due reminders now" says none is
// due; a day later on the moved clock it sends the one that is, and says
// so; the clock's buttons move it and put it back. Each notice is read
// out as a status, the targets are large enough, and axe-core finds
// nothing.
func TestBrowserRemindersWithKeyboardOnly(t *testing.T) {
	axe := readAxe(t)
	ctx := newBrowser(t)
	ts, srv := startServer(t, Options{ManualReminders: true})
	submitJSON(t, ts, jsonBody)
	emailsSettled(t, ts, srv)
	postBooking(t, outboxLink(t, ts, appointment.ActionSchedule), time.Now().In(srv.profile.Zone()).Add(30*time.Hour).Truncate(time.Minute))
	emailsSettled(t, ts, srv)

	requests := ts.URL + "/_dev/requests"
	browserDo(t, ctx, "open the requests page", chromedp.Navigate(requests), chromedp.WaitVisible(chromedp.CSS("#reminders-heading")))
	auditWithAxe(t, ctx, axe, "the requests page")
	if small := browserRun(t, ctx, "measure the buttons", chromedp.Evaluate[[]string](smallTargets)); len(small) > 0 {
		t.Errorf("buttons smaller than 24 by 24 pixels: %q", small)
	}

	steps := []struct {
		button, key, notice string
	}{
		{"Send due reminders now", " ", "No reminder was due"},
		{"Move the clock ahead 1 day", kb.Enter, "The server's clock moved ahead 1 day."},
		{"Send due reminders now", kb.Enter, "Reminders sent: 1; they are in the outbox."},
		{"Move the clock ahead 1 hour", " ", "The server's clock moved ahead 1 hour."},
		{"Reset the clock to real time", kb.Enter, "The server's clock is back on real time."},
	}
	for _, st := range steps {
		if status := pressWithKeyboard(t, ctx, st.button, st.key); status != http.StatusOK {
			t.Fatalf("%q answered %d, want 200 on the requests page", st.button, status)
		}
		notice := browserRun(t, ctx, "read the notice", chromedp.Text(chromedp.CSS(".notice[role=status]")))
		if !strings.HasPrefix(notice, st.notice) {
			t.Errorf("after %q the page says %q, want %q", st.button, notice, st.notice)
		}
		auditWithAxe(t, ctx, axe, "the requests page after "+st.button)
	}
	if n := len(reminderEmails(t, srv)); n != 1 {
		t.Errorf("%d reminders in the outbox, want 1", n)
	}
	if ahead := srv.clock.ahead(); ahead != 0 {
		t.Errorf("the clock is %v ahead after the reset", ahead)
	}
}
