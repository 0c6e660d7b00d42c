package devserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/testing/clinictest"
)

// manageHref finds the action links on the requests page, with the action.
var manageHref = regexp.MustCompile(`href="(/manage/([a-zA-Z]+)/[^"]+)"`)

// requestActionLinks returns the action links the requests page offers,
// by action, in the order the page lists them.
func requestActionLinks(t *testing.T, origin string) (links map[string]string, order []string) {
	t.Helper()
	links = map[string]string{}
	for _, m := range manageHref.FindAllStringSubmatch(get(t, origin+"/_dev/requests"), -1) {
		if _, seen := links[m[2]]; !seen {
			order = append(order, m[2])
		}
		links[m[2]] = html.UnescapeString(m[1])
	}
	return links, order
}

// focusStop is where the focus is after a key press: the element that
// document.activeElement names and, inside a date or time input, the part
// of it that has the focus, as the accessibility tree names it.
type focusStop struct {
	// Element is "#id", or the tag name of an element without an id.
	Element string
	Role    string
	Part    string
	// Outline is the computed outline drawn around the focused part or
	// around the element that holds it; "none" when neither has one.
	Outline string
}

func (f focusStop) String() string {
	if f.Part == "" {
		return f.Element
	}
	return f.Element + " (" + f.Part + ")"
}

// focusedOutline runs on the node that has the focus, which may be a part
// inside a date or time input. While one of the typed parts has it, the
// page's style rings the whole input; while the picker button has it, only
// the browser's own ring around the button shows. So a ring counts from
// the part up to the element document.activeElement names, and no
// further: an outline on the form around it would not show which field is
// active.
const focusedOutline = `function() {
	const active = document.activeElement;
	let outline = "none";
	let inside = false;
	for (let e = this; e; e = e.parentNode instanceof ShadowRoot ? e.parentNode.host : e.parentElement) {
		const s = getComputedStyle(e);
		if (outline === "none" && s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) {
			outline = s.outlineStyle + " " + s.outlineWidth;
		}
		if (e === active) {
			inside = true;
			break;
		}
	}
	return {
		element: active.id ? "#" + active.id : active.tagName.toLowerCase(),
		outline: inside ? outline : "none",
		inside,
		part: this !== active,
	};
}`

// currentFocus finds the focused node through the accessibility tree,
// which, unlike the page's own scripts, sees into the inputs' built-in
// parts, and reads the focus ring drawn for it.
func currentFocus(t *testing.T, ctx context.Context) focusStop {
	t.Helper()
	tree, err := chromedp.Call(ctx, accessibility.GetFullAXTree, accessibility.GetFullAXTreeParams{})
	if err != nil {
		t.Fatalf("read the accessibility tree: %v", err)
	}
	var focused *accessibility.Node
	for _, n := range tree.Nodes {
		if axString(n.Role) == "RootWebArea" {
			continue
		}
		for _, p := range n.Properties {
			if p.Name == accessibility.PropertyNameFocused && string(p.Value.Value) == "true" {
				focused = n
			}
		}
	}
	if focused == nil || focused.BackendDOMNodeID == 0 {
		return focusStop{Element: "body", Outline: "none"}
	}
	obj, err := chromedp.Call(ctx, dom.ResolveNode, dom.ResolveNodeParams{BackendNodeID: focused.BackendDOMNodeID})
	if err != nil {
		t.Fatalf("find the focused node: %v", err)
	}
	got := browserRun(t, ctx, "read the focus ring", chromedp.CallFunctionOn[struct {
		Element string `json:"element"`
		Outline string `json:"outline"`
		Inside  bool   `json:"inside"`
		Part    bool   `json:"part"`
	}](focusedOutline, func(p *runtime.CallFunctionOnParams) { p.ObjectID = obj.Object.ObjectID }))
	if !got.Inside {
		t.Fatalf("the accessibility tree has the focus on a %s outside %s, the page's active element", axString(focused.Role), got.Element)
	}
	f := focusStop{Element: got.Element, Role: axString(focused.Role), Outline: got.Outline}
	// The parts of date and time inputs have no element of their own to
	// name; the accessibility tree gives their names, such as "Month".
	if got.Part {
		f.Part = axString(focused.Name)
		// Chromium gives the parts their name twice over, "Month Month".
		if h := len(f.Part) / 2; len(f.Part)%2 == 1 && f.Part[:h] == f.Part[h+1:] {
			f.Part = f.Part[:h]
		}
	}
	return f
}

// axString reads an accessibility value that holds a string.
func axString(v *accessibility.Value) string {
	if v == nil {
		return ""
	}
	var s string
	if err := json.Unmarshal([]byte(v.Value), &s); err != nil {
		return string(v.Value)
	}
	return s
}

// press dispatches real key events for keys to whatever has the focus, as
// a keyboard would, with any modifiers held.
func press(t *testing.T, ctx context.Context, keys string, modifiers ...chromedp.Modifier) {
	t.Helper()
	browserDo(t, ctx, "press "+strings.ReplaceAll(keys, "\t", "Tab"), chromedp.KeyEvent(keys, chromedp.KeyModifiers(modifiers...)))
}

// maxTabStops bounds each walk through the form with Tab. The schedule
// form has fewer stops than this, counting each part of the date and time
// inputs as one.
const maxTabStops = 20

// tabTo presses Tab until the focus is on the element, and returns the
// first stop there.
func tabTo(t *testing.T, ctx context.Context, element string) focusStop {
	t.Helper()
	var passed []string
	for range maxTabStops {
		press(t, ctx, kb.Tab)
		f := currentFocus(t, ctx)
		if f.Element == element {
			return f
		}
		passed = append(passed, f.String())
	}
	t.Fatalf("Tab never reached %s; it went through %v", element, passed)
	return focusStop{}
}

// typeParts types a date or time into the input whose first part has the
// focus, one part after the other in the order Tab reached them, which
// follows the browser's locale: Chromium moves on to the next part once
// one is complete. values are by the parts' names, such as "Month".
func typeParts(t *testing.T, ctx context.Context, element string, parts []string, values map[string]string) {
	t.Helper()
	if f := currentFocus(t, ctx); f.Element != element || len(parts) == 0 || f.Part != parts[0] {
		t.Fatalf("the focus is on %s, want the first of the parts %q of %s", f, parts, element)
	}
	var keys string
	for _, p := range parts {
		v, ok := values[p]
		if !ok {
			t.Fatalf("%s has a part %q the test cannot fill; its parts are %q", element, p, parts)
		}
		keys += v
	}
	press(t, ctx, keys)
}

// TestBrowserScheduleWithKeyboardOnly schedules a request from its action
// page with the keyboard alone: Tab reaches every field in reading order,
// each stop shows a focus ring, and the form is filled by typing and sent
// with the space bar on its button. No mouse event is sent, and no value is
// set by script.
func TestBrowserScheduleWithKeyboardOnly(t *testing.T) {
	ctx := newBrowser(t)
	ts := start(t, Options{})
	receipt := submitJSON(t, ts, jsonBody)
	links, _ := requestActionLinks(t, ts.URL)
	if links["schedule"] == "" {
		t.Fatalf("the requests page offers no schedule link: %v", links)
	}
	browserDo(t, ctx, "open the schedule page", chromedp.Navigate(ts.URL+links["schedule"]), chromedp.WaitVisible(chromedp.CSS("#date")))

	// Walk the form from the top of the page and note each stop; the date
	// and time inputs take several, one per part and one for the picker.
	var order, stops []string
	parts := map[string][]string{}
	for i := 0; i < maxTabStops && !slices.Contains(order, "button"); i++ {
		press(t, ctx, kb.Tab)
		f := currentFocus(t, ctx)
		stops = append(stops, f.String()+": "+f.Outline)
		if f.Outline == "none" {
			t.Errorf("Tab stop %d, %s, shows no focus ring", i+1, f)
		}
		if len(order) == 0 || order[len(order)-1] != f.Element {
			order = append(order, f.Element)
		}
		if f.Role == "spinbutton" {
			parts[f.Element] = append(parts[f.Element], f.Part)
		}
	}
	t.Logf("Tab stops, with their focus rings:\n\t%s", strings.Join(stops, "\n\t"))
	// The patient's phone and email, links to call or write, come first.
	if want := []string{"a", "#date", "#time", "#minutes", "#outsideHours", "#clinician", "#note", "button"}; !slices.Equal(order, want) {
		t.Fatalf("Tab goes through %v, want %v", order, want)
	}

	// Start again from the top, as someone who looked the form over first
	// would, and fill it in.
	browserDo(t, ctx, "reload the schedule page", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#date")))
	day := bookableDay(t)
	tabTo(t, ctx, "#date")
	typeParts(t, ctx, "#date", parts["#date"], map[string]string{
		"Month": day.Format("01"), "Day": day.Format("02"), "Year": day.Format("2006"),
	})
	if got, want := browserRun(t, ctx, "read the date", chromedp.Value(chromedp.CSS("#date"))), day.Format("2006-01-02"); got != want {
		t.Fatalf("typed the date in the order %v; the input holds %q, want %q", parts["#date"], got, want)
	}
	tabTo(t, ctx, "#time")
	typeParts(t, ctx, "#time", parts["#time"], map[string]string{"Hours": "09", "Minutes": "30", "AM/PM": "A"})
	if got := browserRun(t, ctx, "read the time", chromedp.Value(chromedp.CSS("#time"))); got != "09:30" {
		t.Fatalf("typed the time in the order %v; the input holds %q, want 09:30", parts["#time"], got)
	}
	tabTo(t, ctx, "#minutes")
	// The field holds the service's usual length; select it to replace it.
	press(t, ctx, "a", kb.ModifierCtrl)
	press(t, ctx, "60")
	tabTo(t, ctx, "#clinician")
	press(t, ctx, "Dr. Lee")
	tabTo(t, ctx, "#note")
	press(t, ctx, "Please wear loose shorts.")
	for sel, want := range map[string]string{"#minutes": "60", "#clinician": "Dr. Lee", "#note": "Please wear loose shorts."} {
		if got := browserRun(t, ctx, "read "+sel, chromedp.Value(chromedp.CSS(sel))); got != want {
			t.Errorf("%s holds %q after typing, want %q", sel, got, want)
		}
	}
	tabTo(t, ctx, "button")
	// Space rather than Enter: Enter would send the form from a text field
	// too, so only Space shows that the button itself works by keyboard.
	resp, err := chromedp.RunResponse(ctx, chromedp.KeyEvent(" "))
	if err != nil {
		t.Fatalf("press Space on the button: %v", err)
	}
	if resp.Status != http.StatusOK || !strings.HasSuffix(resp.URL, "?done=1") {
		t.Errorf("after sending: %d at %s, want 200 at the page with ?done=1", resp.Status, resp.URL)
	}
	done := browserRun(t, ctx, "read the outcome", chromedp.Text(chromedp.CSS(".done")))
	booked := day.Format("Monday, January 2") + " at 9:30 AM (60 minutes) with Dr. Lee"
	if !strings.Contains(done, "Done.") || !strings.Contains(done, "Scheduled on") || !strings.Contains(done, booked) {
		t.Errorf("the page says %q, want Done. Scheduled on … for %s", done, booked)
	}
	requests := get(t, ts.URL+"/_dev/requests")
	if want := `<span class="state">scheduled, ` + day.Format("Mon Jan 2") + `, 9:30 AM</span>`; !strings.Contains(requests, want) {
		t.Errorf("the requests page does not show %s for %s:\n%s", want, receipt["reference"], requests)
	}
}

// TestBrowserEveryLinkGetChangesNothing opens every action link of a new
// request in Chromium, as a person, a mail scanner or a link preview would
// follow it, with whatever the browser fetches ahead on its own: the
// request stays as it was, and no email goes out.
func TestBrowserEveryLinkGetChangesNothing(t *testing.T) {
	ctx := newBrowser(t)
	ts := start(t, Options{})
	submitJSON(t, ts, jsonBody)
	waitFor(t, "both emails sent", func() bool {
		return strings.Count(get(t, ts.URL+"/_dev/requests"), `class="sent"`) == 2
	})
	links, order := requestActionLinks(t, ts.URL)
	if want := []string{"contact", "schedule", "decline", "cancel"}; !slices.Equal(order, want) {
		t.Fatalf("the requests page offers %v, want %v", order, want)
	}
	for _, action := range order {
		resp := browserRun(t, ctx, "open the "+action+" link", chromedp.NavigateResponse(ts.URL+links[action]))
		if resp.Status != http.StatusOK {
			t.Errorf("the %s page answered %d", action, resp.Status)
		}
		browserDo(t, ctx, "wait for the "+action+" form", chromedp.WaitVisible(chromedp.CSS("form[method=post] button[type=submit]")))
	}
	// Give anything the visits might have set off the time to reach the
	// outbox: the server reads its change log every pumpInterval.
	time.Sleep(2 * pumpInterval)
	requests := get(t, ts.URL+"/_dev/requests")
	if !strings.Contains(requests, `<span class="state">received</span>`) || strings.Contains(requests, `class="history"`) {
		t.Errorf("opening the links changed the request:\n%s", requests)
	}
	if n := strings.Count(get(t, ts.URL+"/_dev/outbox"), "<article"); n != 2 {
		t.Errorf("the outbox holds %d emails after opening the links, want the 2 the request sent", n)
	}
}

// readAxe returns axe-core's script, from node_modules.
func readAxe(t *testing.T) string {
	t.Helper()
	axe, err := os.ReadFile(filepath.Join(repoRoot(t), "node_modules", "axe-core", "axe.min.js"))
	if errors.Is(err, os.ErrNotExist) {
		prerequisiteMissing(t, axeHint)
	} else if err != nil {
		t.Fatal(err)
	}
	return string(axe)
}

// auditPage runs axe-core on the page the browser shows, in light and dark
// mode, and fails the test for anything it finds.
func auditPage(t *testing.T, ctx context.Context, axe, state string) {
	t.Helper()
	for _, scheme := range []string{"light", "dark"} {
		if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
		}); err != nil {
			t.Fatalf("emulate %s mode: %v", scheme, err)
		}
		browserDo(t, ctx, "load axe-core", chromedp.Evaluate[chromedp.Void](axe))
		found := browserRun(t, ctx, "run axe-core on "+state, chromedp.Evaluate[[]axeViolation](axeRun, chromedp.EvalAwaitPromise))
		for _, v := range found {
			t.Errorf("%s, %s: %s (%s): %s\n\t%s", state, scheme, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n\t"))
		}
	}
}

// TestBrowserActionPagesAccessible checks the action pages with axe-core,
// in light and dark mode: a form as it opens, the same form refused with a
// problem, a page after its action was done, and a link that is not valid;
// for the default clinic, and for the same clinic speaking Spanish, whose
// front desk's pages are Spanish.
func TestBrowserActionPagesAccessible(t *testing.T) {
	axe := readAxe(t)
	t.Run("en", func(t *testing.T) { auditActionPages(t, axe, nil, "Done. Marked as contacted") })
	t.Run("es", func(t *testing.T) { auditActionPages(t, axe, clinictest.Spanish(t), "Listo. El ") })
}

// auditActionPages runs TestBrowserActionPagesAccessible's audits on the
// pages of a server for the clinic profile (nil: the default), whose
// contact page says done as it begins, once sent.
func auditActionPages(t *testing.T, axe string, profile *clinic.Profile, done string) {
	ctx := newBrowser(t)
	ts := start(t, Options{Profile: profile})
	submitJSON(t, ts, jsonBody)
	links, _ := requestActionLinks(t, ts.URL)
	if links["schedule"] == "" || links["contact"] == "" {
		t.Fatalf("the requests page offers no schedule and contact links: %v", links)
	}

	audit := func(state string) {
		t.Helper()
		auditPage(t, ctx, axe, state)
	}
	submit := chromedp.Click(chromedp.CSS("form[method=post] button[type=submit]"))

	browserDo(t, ctx, "open the schedule page", chromedp.Navigate(ts.URL+links["schedule"]), chromedp.WaitVisible(chromedp.CSS("#date")))
	audit("the schedule page")

	browserDo(t, ctx, "fill in a length too short",
		chromedp.SetValue(chromedp.CSS("#date"), bookableDay(t).Format("2006-01-02")),
		chromedp.SetValue(chromedp.CSS("#time"), "09:30"),
		chromedp.SetValue(chromedp.CSS("#minutes"), "2"),
	)
	resp, err := chromedp.RunResponse(ctx, submit)
	if err != nil {
		t.Fatalf("send the schedule form: %v", err)
	}
	if resp.Status != http.StatusUnprocessableEntity {
		t.Errorf("the refused form answered %d, want 422", resp.Status)
	}
	browserDo(t, ctx, "wait for the problem", chromedp.WaitVisible(chromedp.CSS("#length-error")))
	if got := browserRun(t, ctx, "read aria-invalid", chromedp.AttributeValue(chromedp.CSS("#minutes"), "aria-invalid")); got.Value != "true" {
		t.Errorf("the refused length has aria-invalid=%q, want true", got.Value)
	}
	audit("the schedule page with a problem")

	browserDo(t, ctx, "open the contact page", chromedp.Navigate(ts.URL+links["contact"]), chromedp.WaitVisible(chromedp.CSS("form[method=post]")))
	if _, err := chromedp.RunResponse(ctx, submit); err != nil {
		t.Fatalf("send the contact form: %v", err)
	}
	if said := browserRun(t, ctx, "read the outcome", chromedp.Text(chromedp.CSS(".done"))); !strings.HasPrefix(said, done) {
		t.Errorf("the contact page after sending says %q, want %q first", said, done)
	}
	audit("the contact page, done")

	resp = browserRun(t, ctx, "open a link that is not valid", chromedp.NavigateResponse(ts.URL+"/manage/contact/not-a-token"))
	if resp.Status != http.StatusNotFound {
		t.Errorf("the link that is not valid answered %d, want 404", resp.Status)
	}
	audit("the page of a link that is not valid")
}

// TestBrowserActionPageScreenshots takes phone-sized screenshots of the
// schedule page and of the page that says it was done, one of the
// requests page's reminders and clock section, and of the reminder the
// booking sends once the clock reaches its time. With
// -update-screenshots they are copied to docs/screenshots.
func TestBrowserActionPageScreenshots(t *testing.T) {
	ctx := newBrowser(t)
	ts, srv := startServer(t, Options{ManualReminders: true})
	submitJSON(t, ts, jsonBody)
	links, _ := requestActionLinks(t, ts.URL)
	if links["schedule"] == "" {
		t.Fatalf("the requests page offers no schedule link: %v", links)
	}
	dir := screenshotDir(t)
	var taken []string
	shoot := func(name string) {
		t.Helper()
		png := browserRun(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100))
		path := filepath.Join(dir, name+".png")
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		taken = append(taken, path)
	}

	browserDo(t, ctx, "open the schedule page", chromedp.Navigate(ts.URL+links["schedule"]), chromedp.WaitVisible(chromedp.CSS("#date")))
	shoot("manage-schedule")

	booked := bookableDay(t)
	browserDo(t, ctx, "fill in the booking",
		chromedp.SetValue(chromedp.CSS("#date"), booked.Format("2006-01-02")),
		chromedp.SetValue(chromedp.CSS("#time"), "09:30"),
		chromedp.SetValue(chromedp.CSS("#minutes"), "60"),
		chromedp.SendKeys(chromedp.CSS("#clinician"), "Dr. Lee"),
		chromedp.SendKeys(chromedp.CSS("#note"), "Please wear loose shorts."),
	)
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS("form[method=post] button[type=submit]"))); err != nil {
		t.Fatalf("send the schedule form: %v", err)
	}
	browserDo(t, ctx, "wait for the outcome", chromedp.WaitVisible(chromedp.CSS(".done")))
	shoot("manage-done")

	// The requests page's reminders and clock, the clock moved a day.
	browserDo(t, ctx, "open the requests page", chromedp.Navigate(ts.URL+"/_dev/requests"), chromedp.WaitVisible(chromedp.CSS(".reminders")))
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`button[value="day"]`))); err != nil {
		t.Fatalf("move the clock: %v", err)
	}
	png := browserRun(t, ctx, "screenshot requests-reminders", chromedp.Screenshot(chromedp.CSS(".reminders")))
	path := filepath.Join(dir, "requests-reminders.png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	taken = append(taken, path)

	// The clock moved on, a day at a time, into the day before the
	// appointment, when its reminder is due; a day is moved already.
	days := int(math.Ceil(time.Until(booked.Add(-24*time.Hour)).Hours()/24)) - 1
	for range max(days, 0) {
		moveClock(t, ts, "day")
	}
	if notice, want := sendDueReminders(t, ts), "Reminders sent: 1; they are in the outbox."; notice != want {
		t.Fatalf("sending due reminders says %q, want %q", notice, want)
	}
	reminders := reminderEmails(t, srv)
	if len(reminders) != 1 {
		t.Fatalf("%d reminders in the outbox, want 1", len(reminders))
	}
	browserDo(t, ctx, "open the reminder", chromedp.Navigate(fmt.Sprintf("%s/_dev/outbox/%d/html", ts.URL, reminders[0].ID)))
	shoot("email-reminder")

	publishScreenshots(t, taken, dir)
}
