package devserver

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// maxOutboxTabStops bounds each walk through the outbox with Tab: the
// header's links, one email's buttons and links, and the links of the
// newest email's frame come well within it.
const maxOutboxTabStops = 40

// focusedElement describes what has the focus in the page: the element's
// tag name and its href or src.
const focusedElement = `(() => {
	const e = document.activeElement;
	return e.tagName + " " + (e.getAttribute("href") || e.getAttribute("src") || "");
})()`

// tabToFocus presses Tab until what has the focus, as focusedElement
// describes it, is want.
func tabToFocus(t *testing.T, ctx context.Context, want string) {
	t.Helper()
	var passed []string
	for range maxOutboxTabStops {
		browserDo(t, ctx, "press Tab", chromedp.KeyEvent(kb.Tab))
		got := browserRun(t, ctx, "read the focus", chromedp.Evaluate[string](focusedElement))
		if got == want {
			return
		}
		passed = append(passed, got)
	}
	t.Fatalf("Tab never reached %s; it went through %q", want, passed)
}

// waitForFocusToLeave waits, for a second at most, until what has the
// focus in ctx's document is no longer was, as focusedElement describes
// it: a key sent to a frame is handled a moment later. It returns either
// way; the caller reads the focus again.
func waitForFocusToLeave(t *testing.T, ctx context.Context, was string) {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) {
		if browserRun(t, ctx, "read the focus", chromedp.Evaluate[string](focusedElement)) != was {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// auditWithAxe runs axe-core on the page as it is and fails the test for
// everything it finds. The development pages have one colour scheme, so
// one run covers them.
func auditWithAxe(t *testing.T, ctx context.Context, axe, state string) {
	t.Helper()
	browserDo(t, ctx, "load axe-core", chromedp.Evaluate[chromedp.Void](axe))
	for _, v := range browserRun(t, ctx, "run axe-core on "+state, chromedp.Evaluate[[]axeViolation](axeRun, chromedp.EvalAwaitPromise)) {
		t.Errorf("%s: %s (%s): %s\n\t%s", state, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n\t"))
	}
}

// TestBrowserOutboxInvitationAndLinks walks the outbox with the keyboard
// alone: the booking email's invitation downloads as a calendar file, and
// its action link, followed inside the preview frame, opens the action
// page in the whole tab. axe-core finds nothing on the outbox or on the
// requests page.
func TestBrowserOutboxInvitationAndLinks(t *testing.T) {
	axe := readAxe(t)
	ctx := newBrowser(t)
	ts, id := bookedServer(t)
	downloads := t.TempDir()
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads,
	}); err != nil {
		t.Fatalf("allow downloads: %v", err)
	}

	browserDo(t, ctx, "open the requests page", chromedp.Navigate(ts.URL+"/_dev/requests"), chromedp.WaitVisible(chromedp.CSS("table")))
	auditWithAxe(t, ctx, axe, "the requests page")
	outbox := ts.URL + "/_dev/outbox"
	browserDo(t, ctx, "open the outbox", chromedp.Navigate(outbox), chromedp.WaitVisible(chromedp.CSS("#email-"+id)))
	auditWithAxe(t, ctx, axe, "the outbox")

	tabToFocus(t, ctx, "A /_dev/outbox/"+id+"/invitation")
	browserDo(t, ctx, "download the invitation", chromedp.KeyEvent(kb.Enter))
	ics := waitForFile(t, ctx, filepath.Join(downloads, "invite.ics"))
	if !strings.HasPrefix(ics, "BEGIN:VCALENDAR") || !strings.Contains(ics, "METHOD:REQUEST") {
		t.Errorf("the download is not the invitation:\n%s", ics)
	}

	// The frame's links are reached with Tab, in the order of the email's
	// HTML, until the focus inside the frame is on its first action link.
	preview := get(t, ts.URL+"/_dev/outbox/"+id+"/html")
	action := regexp.MustCompile(regexp.QuoteMeta(ts.URL) + `/manage/[a-z]+/[A-Za-z0-9_-]+`).FindString(preview)
	if action == "" {
		t.Fatalf("the booking email has no action link:\n%s", preview)
	}
	// The frames of the page before the reload may still be listed for a
	// moment after it; the email is read in a frame of the new page.
	before := frameTargets(t, ctx)
	browserDo(t, ctx, "reload the outbox", chromedp.Navigate(outbox), chromedp.WaitVisible(chromedp.CSS("#email-"+id)))
	// The email is loaded in its frame before Tab reaches the frame, or
	// Tab would pass an empty frame by while a busy machine loads it.
	frame := frameContext(t, ctx, ts.URL+"/_dev/outbox/"+id+"/html", before)
	browserDo(t, frame, "wait for the email's link", chromedp.WaitReady(chromedp.CSS(`a[href="`+action+`"]`)))
	tabToFocus(t, ctx, "IFRAME /_dev/outbox/"+id+"/html")
	// Keys reach the frame, which the browser may run in a process of its
	// own, a moment after they are sent: the focus is read again until it
	// moves, and a Tab that went one link past the action link, because
	// the frame's focus was read before it arrived, is undone with
	// Shift+Tab.
	where := `(() => {
		const a = document.querySelector('a[href="` + action + `"]'), f = document.activeElement;
		if (f === a) return "at";
		return (a.compareDocumentPosition(f) & Node.DOCUMENT_POSITION_FOLLOWING) ? "after" : "before";
	})()`
	var passed []string
	for i := 0; ; i++ {
		pos := browserRun(t, frame, "read where the focus is in the email", chromedp.Evaluate[string](where))
		if pos == "at" {
			break
		}
		got := browserRun(t, frame, "read the focus in the email", chromedp.Evaluate[string](focusedElement))
		passed = append(passed, got+" | page: "+browserRun(t, ctx, "read the focus", chromedp.Evaluate[string](focusedElement)))
		if i == maxOutboxTabStops {
			t.Fatalf("Tab never reached the email's link %s; it went through %q", action, passed)
		}
		var modifiers []chromedp.Modifier
		if pos == "after" {
			modifiers = append(modifiers, kb.ModifierShift)
		}
		press(t, ctx, kb.Tab, modifiers...)
		waitForFocusToLeave(t, frame, got)
	}
	browserDo(t, ctx, "follow the action link", chromedp.KeyEvent(kb.Enter))
	if loc := waitToLeave(t, ctx, outbox); loc != action {
		t.Errorf("the tab is at %s, want the action page %s", loc, action)
	}
	if h1 := browserRun(t, ctx, "read the heading", chromedp.Text(chromedp.CSS("h1"))); h1 == "" {
		t.Error("the action page shows no heading")
	}
}

// frameTargets returns the IDs of the frames the browser runs as targets
// of their own.
func frameTargets(t *testing.T, ctx context.Context) map[target.ID]bool {
	t.Helper()
	targets, err := chromedp.Targets(ctx)
	if err != nil {
		t.Fatalf("list the targets: %v", err)
	}
	ids := map[target.ID]bool{}
	for _, info := range targets {
		if info.Type == "iframe" {
			ids[info.TargetID] = true
		}
	}
	return ids
}

// frameContext returns a context that runs actions in the frame showing
// url, other than the frames in old: the sandboxed frame runs apart from
// the page, as a target of its own, so the page's scripts cannot see into
// it.
func frameContext(t *testing.T, ctx context.Context, url string, old map[target.ID]bool) context.Context {
	t.Helper()
	for {
		targets, err := chromedp.Targets(ctx)
		if err != nil {
			t.Fatalf("list the targets: %v", err)
		}
		for _, info := range targets {
			if info.Type == "iframe" && info.URL == url && !old[info.TargetID] {
				frame, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(info.TargetID))
				t.Cleanup(cancel)
				return frame
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no frame shows %s", url)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// waitToLeave waits until the tab is no longer at from, and returns where
// it is. Reading the location fails while a navigation replaces the page;
// such a failure is read again.
func waitToLeave(t *testing.T, ctx context.Context, from string) string {
	t.Helper()
	for {
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err == nil && loc != from {
			return loc
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the tab stayed at %s (%v)", from, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// waitForFile waits for a download to appear at path, complete, and
// returns what it holds.
func waitForFile(t *testing.T, ctx context.Context, path string) string {
	t.Helper()
	for {
		b, err := os.ReadFile(path)
		if err == nil {
			return string(b)
		}
		if !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no download at %s", path)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// TestBrowserHeadingSizes: on every page of the local server, no h2 is
// drawn larger than the page's h1.
func TestBrowserHeadingSizes(t *testing.T) {
	ctx := newBrowser(t)
	ts, _ := bookedServer(t)
	sizes := `(() => {
		const px = sel => Array.from(document.querySelectorAll(sel), e => parseFloat(getComputedStyle(e).fontSize));
		return {h1: px("h1"), h2: px("h2")};
	})()`
	check := func(page string) {
		t.Helper()
		got := browserRun(t, ctx, "read the headings of "+page, chromedp.Evaluate[struct {
			H1 []float64 `json:"h1"`
			H2 []float64 `json:"h2"`
		}](sizes))
		if len(got.H1) != 1 {
			t.Errorf("%s has %d h1, want one", page, len(got.H1))
			return
		}
		for _, h2 := range got.H2 {
			if h2 > got.H1[0] {
				t.Errorf("%s has an h2 of %gpx, larger than its h1 of %gpx", page, h2, got.H1[0])
			}
		}
	}
	for _, page := range []string{"/", "/thank-you?reference=K7M2-Q9XD", "/_dev/outbox", "/_dev/requests"} {
		browserDo(t, ctx, "open "+page, chromedp.Navigate(ts.URL+page), chromedp.WaitVisible(chromedp.CSS("h1")))
		check(page)
	}
	bad := jordan
	bad.email, bad.consent = "jordan.rivera@example", false
	browserDo(t, ctx, "send the form with mistakes", chromedp.Navigate(ts.URL+"/"), fillForm(bad), sendForm(), chromedp.WaitVisible(chromedp.CSS("#appointment-problems")))
	check("the form's error state")
}
