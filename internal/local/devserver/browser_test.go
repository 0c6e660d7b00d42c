package devserver

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"example.com/appointments/internal/clinic"
)

var updateScreenshots = flag.Bool("update-screenshots", false, "copy the browser tests' screenshots to docs/screenshots")

// browserTimeout bounds each browser test, from starting Chromium to the
// last check, so a page that never reaches the state a test waits for
// fails the test instead of hanging it.
const browserTimeout = 30 * time.Second

// phoneWidth and phoneHeight are the viewport of a common phone, in CSS
// pixels; the form is designed for it first.
const (
	phoneWidth  = 390
	phoneHeight = 844
)

const (
	chromiumHint = "chromium is missing: apt-get install -y chromium"
	axeHint      = "axe-core is missing: run npm ci"
)

// inCI reports whether the tests run in CI, where a missing prerequisite
// fails the run rather than skipping the test.
func inCI() bool { return os.Getenv("CI") == "true" }

// prerequisiteMissing fails the test in CI and skips it elsewhere, saying
// how to install what is missing.
func prerequisiteMissing(t *testing.T, hint string) {
	t.Helper()
	if inCI() {
		t.Fatal(hint)
	}
	t.Skip(hint)
}

func chromiumPath(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("drives headless Chromium; runs without -short (make test)")
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	prerequisiteMissing(t, chromiumHint)
	return ""
}

// repoRoot is the module's root directory, where node_modules and docs are.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// newBrowser starts headless Chromium for one test, with a phone-sized
// viewport at twice the pixel density, so screenshots stay sharp on the
// screens they are read on. Everything the test does in the browser ends
// within browserTimeout; the browser is closed when the test ends.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath(t)
	// Not t.Context: that ends before the cleanups run, and the browser
	// should be closed properly before its user data directory goes.
	ctx, cancel := context.WithTimeout(context.Background(), browserTimeout)
	t.Cleanup(cancel)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(phoneWidth, phoneHeight),
	)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		// Close the browser before its user data directory is removed.
		_ = chromedp.Cancel(bctx)
		bcancel()
		acancel()
	})
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(phoneWidth, phoneHeight, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulatePortrait)); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return bctx
}

// listenLoopback opens a listener on a free loopback port and returns it
// with the origin a browser sees for it.
func listenLoopback(t *testing.T) (net.Listener, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln, "http://" + ln.Addr().String()
}

// serveOn serves h on ln until the test ends.
func serveOn(t *testing.T, ln net.Listener, h http.Handler) {
	t.Helper()
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
}

// startDevServer runs the development server on ln, allowing forms from
// the other origins to post.
func startDevServer(t *testing.T, ln net.Listener, origin string, allowed ...string) {
	t.Helper()
	startDevServerWith(t, ln, Options{Origin: origin, AllowedOrigins: allowed})
}

// startDevServerWith runs the development server on ln with opts, in a
// folder of the test's own.
func startDevServerWith(t *testing.T, ln net.Listener, opts Options) {
	t.Helper()
	opts.Dir = t.TempDir()
	s, err := New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	serveOn(t, ln, s)
}

// newDevServer starts a development server on a free port and returns its
// origin.
func newDevServer(t *testing.T, allowed ...string) string {
	t.Helper()
	ln, origin := listenLoopback(t)
	startDevServer(t, ln, origin, allowed...)
	return origin
}

// startWebsite serves a copy of the form page on ln, as a clinic's own
// website would: the page and the assets from there, the form posting to
// the API at api.
func startWebsite(t *testing.T, ln net.Listener, api string) {
	t.Helper()
	p, err := clinic.Default()
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", formHandler(p, api, ""))
	mux.Handle("GET /assets/", assetsHandler())
	serveOn(t, ln, mux)
}

// storedReferences returns the references on the dev server's requests page.
func storedReferences(t *testing.T, origin string) []string {
	t.Helper()
	page := fetchPage(t, origin+"/_dev/requests")
	var refs []string
	for _, m := range regexp.MustCompile(`<td class="reference">([^<]*)</td>`).FindAllStringSubmatch(page, -1) {
		refs = append(refs, m[1])
	}
	return refs
}

func fetchPage(t *testing.T, url string) string {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d: %s", url, resp.StatusCode, b)
	}
	return string(b)
}

// formInput is what the tests type into the form.
type formInput struct {
	first, last, email, phone, service string
	consent                            bool
}

var jordan = formInput{first: "Jordan", last: "Rivera", email: "jordan.rivera@example.com", phone: "(303) 555-0142", service: "dry-needling", consent: true}

// fillForm types the patient's details into the form as a person would, and
// picks a few of the optional choices.
func fillForm(p formInput) chromedp.Action[chromedp.Void] {
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.WaitVisible(chromedp.CSS("#firstName")),
		chromedp.SendKeys(chromedp.CSS("#firstName"), p.first),
		chromedp.SendKeys(chromedp.CSS("#lastName"), p.last),
		chromedp.SendKeys(chromedp.CSS("#email"), p.email),
		chromedp.SendKeys(chromedp.CSS("#phone"), p.phone),
		chromedp.Click(chromedp.CSS("#newPatient-yes")),
		chromedp.SetValue(chromedp.CSS("#service"), p.service),
		chromedp.Click(chromedp.CSS("#preferredDays-tue")),
		chromedp.Click(chromedp.CSS("#preferredDays-thu")),
		chromedp.Click(chromedp.CSS("#preferredTimes-morning")),
		chromedp.Click(chromedp.CSS("#contactMethod-text")),
		chromedp.SendKeys(chromedp.CSS("#reason"), "Sore right shoulder since a ski fall in January."),
	}
	if p.consent {
		steps = append(steps, chromedp.Click(chromedp.CSS("#consent")))
	}
	return chromedp.Steps(steps...)
}

// sendForm presses the form's button.
func sendForm() chromedp.Action[chromedp.Void] {
	return chromedp.Click(chromedp.CSS("button[type=submit]"))
}

// browserRun runs an action that reads a value, failing the test with what
// it was for if it cannot.
func browserRun[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// browserDo runs actions, failing the test with what they were for if one
// cannot.
func browserDo(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

var referenceShape = regexp.MustCompile(`^[0-9A-Z]{4}-[0-9A-Z]{4}$`)

// TestBrowserPlainFormPost submits the form with JavaScript off, as the
// plain HTML form it is underneath: the API redirects to the thank-you
// page, which shows the reference, in the request's language; the Spanish
// form lands on the Spanish thank-you page.
func TestBrowserPlainFormPost(t *testing.T) {
	ctx := newBrowser(t)
	origin := newDevServer(t)

	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatalf("disable scripts: %v", err)
	}
	browserDo(t, ctx, "open the form", chromedp.Navigate(origin+"/"), fillForm(jordan))
	resp, err := chromedp.RunResponse(ctx, sendForm())
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	if resp.Status != http.StatusOK {
		t.Errorf("the thank-you page answered %d", resp.Status)
	}
	loc := browserRun(t, ctx, "read the location", chromedp.Location())
	ref := browserRun(t, ctx, "read the reference", chromedp.Text(chromedp.CSS("#reference")))
	// The form posts the language it is shown in, and the thank-you page
	// is asked for in it.
	if want := origin + "/thank-you?reference=" + ref + "&lang=en"; loc != want {
		t.Errorf("landed on %s, want %s", loc, want)
	}
	if !referenceShape.MatchString(ref) {
		t.Errorf("the thank-you page shows reference %q", ref)
	}
	if got := storedReferences(t, origin); !slices.Equal(got, []string{ref}) {
		t.Errorf("stored references = %v, want [%s]", got, ref)
	}

	browserDo(t, ctx, "open the Spanish form", chromedp.Navigate(origin+"/?lang=es"), fillForm(jordan))
	if _, err := chromedp.RunResponse(ctx, sendForm()); err != nil {
		t.Fatalf("submit the Spanish form: %v", err)
	}
	loc = browserRun(t, ctx, "read the location", chromedp.Location())
	title := browserRun(t, ctx, "read the heading", chromedp.Text(chromedp.CSS("#thanks-title")))
	if !strings.HasSuffix(loc, "&lang=es") || title != "Gracias, recibimos su solicitud" {
		t.Errorf("the Spanish form landed on %s, headed %q; want the Spanish thank-you page", loc, title)
	}
}

// exchange is one POST /appointments the page made, as the browser saw it.
type exchange struct {
	contentType, idempotencyKey string
	status                      int64
	replayed                    bool
	failed                      bool // the test dropped the answer
}

// interceptor records the page's posts to the API, and can drop the first
// successful answer after the server has acted on the request, as a
// network that fails at the worst moment would.
type interceptor struct {
	mu        sync.Mutex
	exchanges []exchange
	dropFirst bool
	errs      []error
}

// seen returns the exchanges so far, and fails the test if a request could
// not be released.
func (in *interceptor) seen(t *testing.T) []exchange {
	t.Helper()
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, err := range in.errs {
		t.Error(err)
	}
	return slices.Clone(in.exchanges)
}

// intercept holds each answer of the API in the browser until the test has
// recorded it, and releases it, or drops the first successful one when
// dropFirstSuccess is set. Requests to URLs matching an unreachable pattern
// fail as if their host had no address; the page's own checks, such as its
// content security policy, have passed by then.
func intercept(t *testing.T, ctx context.Context, dropFirstSuccess bool, unreachable ...string) *interceptor {
	t.Helper()
	in := &interceptor{dropFirst: dropFirstSuccess}
	paused := chromedp.Events(ctx, fetch.RequestPaused)
	patterns := []*fetch.RequestPattern{{URLPattern: "*/appointments", RequestStage: fetch.RequestStageResponse}}
	for _, u := range unreachable {
		patterns = append(patterns, &fetch.RequestPattern{URLPattern: u, RequestStage: fetch.RequestStageRequest})
	}
	if _, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{Patterns: patterns}); err != nil {
		t.Fatalf("intercept the API: %v", err)
	}
	go func() {
		for ev, err := range paused {
			if err != nil {
				return
			}
			if ev.ResponseStatusCode == 0 && ev.ResponseErrorReason == "" && !strings.HasSuffix(ev.Request.URL, "/appointments") {
				_, err = chromedp.Call(ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonNameNotResolved})
				if err != nil && ctx.Err() == nil {
					in.mu.Lock()
					in.errs = append(in.errs, fmt.Errorf("fail %s: %w", ev.Request.URL, err))
					in.mu.Unlock()
				}
				continue
			}
			x := exchange{status: ev.ResponseStatusCode}
			for name, v := range ev.Request.Headers {
				switch strings.ToLower(name) {
				case "content-type":
					x.contentType = fmt.Sprint(v)
				case "idempotency-key":
					x.idempotencyKey = fmt.Sprint(v)
				}
			}
			for _, h := range ev.ResponseHeaders {
				if strings.EqualFold(h.Name, "Idempotent-Replayed") && h.Value == "true" {
					x.replayed = true
				}
			}
			in.mu.Lock()
			if ev.Request.Method == http.MethodPost && x.status == http.StatusCreated && in.dropFirst {
				in.dropFirst = false
				x.failed = true
			}
			if ev.Request.Method == http.MethodPost {
				in.exchanges = append(in.exchanges, x)
			}
			in.mu.Unlock()
			if x.failed {
				_, err = chromedp.Call(ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonConnectionReset})
			} else {
				_, err = chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
			}
			if err != nil && ctx.Err() == nil {
				in.mu.Lock()
				in.errs = append(in.errs, fmt.Errorf("release %s %s: %w", ev.Request.Method, ev.Request.URL, err))
				in.mu.Unlock()
			}
		}
	}()
	return in
}

// consoleProblems collects uncaught exceptions and content security
// policy violations on the page, which would mean the script or the
// stylesheet does not work as written.
func consoleProblems(ctx context.Context) func() []string {
	var mu sync.Mutex
	var problems []string
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || strings.Contains(m.Text, "Content Security Policy") {
				mu.Lock()
				problems = append(problems, m.String())
				mu.Unlock()
			}
		}
	}()
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(problems)
	}
}

// TestBrowserScriptSubmit submits the form with JavaScript: problems are
// shown next to their fields, a retry after a lost answer reuses the
// Idempotency-Key, and the clinic gets one request.
func TestBrowserScriptSubmit(t *testing.T) {
	ctx := newBrowser(t)
	origin := newDevServer(t)
	problems := consoleProblems(ctx)
	in := intercept(t, ctx, true)

	bad := jordan
	bad.email = "jordan.rivera@example"
	bad.consent = false
	browserDo(t, ctx, "fill the form with mistakes", chromedp.Navigate(origin+"/"), fillForm(bad), sendForm(),
		chromedp.WaitVisible(chromedp.CSS("#email-error")),
		chromedp.WaitVisible(chromedp.CSS("#consent-error")),
	)
	state := browserRun(t, ctx, "read the error state", chromedp.Evaluate[struct {
		EmailInvalid   string   `json:"emailInvalid"`
		ConsentInvalid string   `json:"consentInvalid"`
		PhoneInvalid   string   `json:"phoneInvalid"`
		Focused        string   `json:"focused"`
		Links          []string `json:"links"`
		EmailError     string   `json:"emailError"`
	}](`({
		emailInvalid: document.getElementById("email").getAttribute("aria-invalid"),
		consentInvalid: document.getElementById("consent").getAttribute("aria-invalid"),
		phoneInvalid: String(document.getElementById("phone").getAttribute("aria-invalid")),
		focused: document.activeElement.id,
		links: Array.from(document.querySelectorAll("[data-summary-list] a"), a => a.getAttribute("href")),
		emailError: document.getElementById("email-error").textContent,
	})`))
	if state.EmailInvalid != "true" || state.ConsentInvalid != "true" {
		t.Errorf("aria-invalid: email %q, consent %q; want both true", state.EmailInvalid, state.ConsentInvalid)
	}
	if state.PhoneInvalid != "null" {
		t.Errorf("the valid phone number is marked aria-invalid=%q", state.PhoneInvalid)
	}
	if state.Focused != "appointment-problems" {
		t.Errorf("focus is on #%s, want the error summary", state.Focused)
	}
	if want := []string{"#email", "#consent"}; !slices.Equal(state.Links, want) {
		t.Errorf("the summary links to %v, want %v", state.Links, want)
	}
	if !strings.Contains(state.EmailError, "name@example.com") {
		t.Errorf("the email error reads %q, want the API's message", state.EmailError)
	}

	browserDo(t, ctx, "correct the email address",
		chromedp.Focus(chromedp.CSS("#email")),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("email").select()`),
		chromedp.SendKeys(chromedp.CSS("#email"), jordan.email),
		chromedp.WaitNotVisible(chromedp.CSS("#email-error")),
	)
	if got := browserRun(t, ctx, "read aria-invalid", chromedp.AttributeValue(chromedp.CSS("#email"), "aria-invalid")); got.Exists {
		t.Errorf("the corrected email is still aria-invalid=%q", got.Value)
	}

	// The first successful answer is lost on the way back: the patient
	// sees a message, keeps the form, and sends it again.
	browserDo(t, ctx, "agree and send", chromedp.Click(chromedp.CSS("#consent")), sendForm(),
		chromedp.Poll[chromedp.Void](`document.querySelector("[data-summary-title]").textContent.includes("not sent")`, chromedp.WithPollingTimeout(10*time.Second)),
	)
	if v := browserRun(t, ctx, "read the form after the lost answer", chromedp.Value(chromedp.CSS("#email"))); v != jordan.email {
		t.Errorf("after a network error the email field holds %q, want what was typed", v)
	}
	browserDo(t, ctx, "send again", chromedp.WaitEnabled(chromedp.CSS("button[type=submit]")), sendForm(),
		chromedp.WaitVisible(chromedp.CSS("#appointment-success")),
	)
	ref := browserRun(t, ctx, "read the reference", chromedp.Text(chromedp.CSS("[data-reference]")))
	if !referenceShape.MatchString(ref) {
		t.Errorf("the page shows reference %q", ref)
	}
	if focused := browserRun(t, ctx, "read the focus", chromedp.Evaluate[string](`document.activeElement.id`)); focused != "appointment-success" {
		t.Errorf("focus is on #%s, want the success message", focused)
	}

	got := in.seen(t)
	if len(got) != 3 {
		t.Fatalf("the page posted %d times, want 3 (mistakes, lost answer, retry): %+v", len(got), got)
	}
	for i, x := range got {
		if x.contentType != "application/json" || x.idempotencyKey == "" {
			t.Errorf("post %d: Content-Type %q, Idempotency-Key %q; want JSON with a key", i, x.contentType, x.idempotencyKey)
		}
	}
	if got[0].status != http.StatusUnprocessableEntity || got[1].status != http.StatusCreated || got[2].status != http.StatusCreated {
		t.Errorf("statuses %d, %d, %d; want 422, 201, 201", got[0].status, got[1].status, got[2].status)
	}
	if got[1].idempotencyKey != got[2].idempotencyKey {
		t.Errorf("the retry used key %q, the first attempt %q: want the same", got[2].idempotencyKey, got[1].idempotencyKey)
	}
	if got[0].idempotencyKey == got[1].idempotencyKey {
		t.Error("the corrected form reused the key of the one with mistakes")
	}
	if !got[2].replayed {
		t.Error("the retry was not answered as a replay of the first attempt")
	}
	if refs := storedReferences(t, origin); !slices.Equal(refs, []string{ref}) {
		t.Errorf("stored references = %v, want just [%s]", refs, ref)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("the page logged problems:\n%s", strings.Join(p, "\n"))
	}
}

// TestBrowserCrossOrigin pastes the form on other websites: one whose
// origin the API allows, where sending works through a CORS preflight,
// and one it does not, where the request is refused and nothing is stored.
func TestBrowserCrossOrigin(t *testing.T) {
	ctx := newBrowser(t)
	devLn, devOrigin := listenLoopback(t)
	allowedLn, allowedOrigin := listenLoopback(t)
	otherLn, otherOrigin := listenLoopback(t)
	startDevServer(t, devLn, devOrigin, allowedOrigin)
	startWebsite(t, allowedLn, devOrigin+"/appointments")
	startWebsite(t, otherLn, devOrigin+"/appointments")

	browserDo(t, ctx, "send from the allowed website", chromedp.Navigate(allowedOrigin+"/"), fillForm(jordan), sendForm(),
		chromedp.WaitVisible(chromedp.CSS("#appointment-success")),
	)
	ref := browserRun(t, ctx, "read the reference", chromedp.Text(chromedp.CSS("[data-reference]")))
	if !referenceShape.MatchString(ref) {
		t.Errorf("the allowed website shows reference %q", ref)
	}

	sam := jordan
	sam.first, sam.email = "Sam", "sam@example.com"
	browserDo(t, ctx, "send from another website", chromedp.Navigate(otherOrigin+"/"), fillForm(sam), sendForm(),
		chromedp.WaitVisible(chromedp.CSS("#appointment-problems")),
	)
	msg := browserRun(t, ctx, "read the message", chromedp.Text(chromedp.CSS("#appointment-problems")))
	if !strings.Contains(msg, "not sent") {
		t.Errorf("the refused website shows %q, want that the request was not sent", msg)
	}
	if visible := browserRun(t, ctx, "check the success message", chromedp.Evaluate[bool](`!document.getElementById("appointment-success").hidden`)); visible {
		t.Error("the refused website shows the success message")
	}
	if refs := storedReferences(t, devOrigin); !slices.Equal(refs, []string{ref}) {
		t.Errorf("stored references = %v, want just the allowed website's [%s]", refs, ref)
	}
}

// TestBrowserTurnstile runs the form with a Turnstile site key while
// Cloudflare's script cannot load, as on a network that blocks it: the
// form still works, and the token the widget would put in the form travels
// with the script's submission. The test plays the widget's part: it puts
// the hidden input in the form, and stands in for the widget's reset, which
// hands out a new token after the API refused the first.
func TestBrowserTurnstile(t *testing.T) {
	ctx := newBrowser(t)
	sv := startSiteverify(t, map[string]string{"pass": "127.0.0.1"})
	ln, origin := listenLoopback(t)
	startDevServerWith(t, ln, Options{
		Origin:                 origin,
		TurnstileSiteKey:       "1x00000000000000000000AA",
		TurnstileSecret:        siteverifySecret,
		TurnstileSiteverifyURL: sv.URL,
	})
	problems := consoleProblems(ctx)
	in := intercept(t, ctx, false, "https://challenges.cloudflare.com/*")

	browserDo(t, ctx, "open the form", chromedp.Navigate(origin+"/"), fillForm(jordan))
	page := browserRun(t, ctx, "read the widget", chromedp.Evaluate[struct {
		Widget  bool `json:"widget"`
		Loaded  bool `json:"loaded"`
		Enabled bool `json:"enabled"`
	}](`({
		widget: document.querySelector("form[data-appointment-form] .cf-turnstile[data-sitekey]") !== null,
		loaded: typeof window.turnstile !== "undefined",
		enabled: !document.querySelector("button[type=submit]").disabled,
	})`))
	if !page.Widget || page.Loaded || !page.Enabled {
		t.Fatalf("widget in the form %v, Cloudflare's script loaded %v, button enabled %v; want true, false, true", page.Widget, page.Loaded, page.Enabled)
	}

	browserDo(t, ctx, "solve the challenge", chromedp.Evaluate[chromedp.Void](`(() => {
		const widget = document.querySelector(".cf-turnstile");
		const input = document.createElement("input");
		input.type = "hidden";
		input.name = "cf-turnstile-response";
		input.value = "bad";
		widget.append(input);
		window.turnstile = {
			resets: [],
			reset(w) {
				this.resets.push(w === widget);
				input.value = "pass";
			},
		};
	})()`))
	browserDo(t, ctx, "send with a refused token", sendForm(), chromedp.WaitVisible(chromedp.CSS("#appointment-problems")))
	if got, want := sv.asked(), []string{"bad"}; !slices.Equal(got, want) {
		t.Fatalf("siteverify was asked about %q, want %q: the page did not send the widget's token", got, want)
	}
	if got := browserRun(t, ctx, "read the resets", chromedp.Evaluate[[]bool](`window.turnstile.resets`)); !slices.Equal(got, []bool{true}) {
		t.Errorf("widget resets %v, want one of the form's widget", got)
	}
	browserDo(t, ctx, "send again", chromedp.WaitEnabled(chromedp.CSS("button[type=submit]")), sendForm(),
		chromedp.WaitVisible(chromedp.CSS("#appointment-success")),
	)
	ref := browserRun(t, ctx, "read the reference", chromedp.Text(chromedp.CSS("[data-reference]")))

	if got, want := sv.asked(), []string{"bad", "pass"}; !slices.Equal(got, want) {
		t.Errorf("siteverify was asked about %q, want %q", got, want)
	}
	got := in.seen(t)
	if len(got) != 2 || got[0].status != http.StatusForbidden || got[1].status != http.StatusCreated {
		t.Fatalf("posts %+v, want a 403 and a 201", got)
	}
	if got[0].idempotencyKey != got[1].idempotencyKey {
		t.Error("the same details sent with a new token got a new Idempotency-Key")
	}
	if refs := storedReferences(t, origin); !slices.Equal(refs, []string{ref}) {
		t.Errorf("stored references = %v, want just [%s]", refs, ref)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("the page logged problems:\n%s", strings.Join(p, "\n"))
	}
}

// axeViolation is one rule axe-core found broken, with the elements.
type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// axeRun runs axe-core on the page with the WCAG 2.2 A and AA rules and
// its best practices, and returns what it found.
const axeRun = `axe.run(document, {
	runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
	resultTypes: ["violations"],
}).then(r => r.violations.map(v => ({
	id: v.id, impact: v.impact || "", help: v.help,
	nodes: v.nodes.map(n => n.target.join(" ") + ": " + n.failureSummary),
})))`

// TestBrowserAccessibility checks the form, its error state, its success
// message and the thank-you page with axe-core, in light and dark mode.
func TestBrowserAccessibility(t *testing.T) {
	axePath := filepath.Join(repoRoot(t), "node_modules", "axe-core", "axe.min.js")
	axe, err := os.ReadFile(axePath)
	if errors.Is(err, os.ErrNotExist) {
		prerequisiteMissing(t, axeHint)
	} else if err != nil {
		t.Fatal(err)
	}
	ctx := newBrowser(t)
	origin := newDevServer(t)

	audit := func(state string) {
		t.Helper()
		auditWithAxe(t, ctx, string(axe), state)
	}
	for _, scheme := range []string{"light", "dark"} {
		if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
		}); err != nil {
			t.Fatalf("emulate %s mode: %v", scheme, err)
		}
		browserDo(t, ctx, "open the form", chromedp.Navigate(origin+"/"), chromedp.WaitVisible(chromedp.CSS("#firstName")))
		audit("the form, " + scheme)
		bad := jordan
		bad.email, bad.phone, bad.consent = "jordan.rivera@example", "555", false
		browserDo(t, ctx, "send with mistakes", fillForm(bad), sendForm(), chromedp.WaitVisible(chromedp.CSS("#appointment-problems")))
		audit("the form's error state, " + scheme)
		browserDo(t, ctx, "correct and send",
			chromedp.SetValue(chromedp.CSS("#email"), jordan.email),
			chromedp.SetValue(chromedp.CSS("#phone"), jordan.phone),
			chromedp.Click(chromedp.CSS("#consent")),
			sendForm(),
			chromedp.WaitVisible(chromedp.CSS("#appointment-success")),
		)
		audit("the success message, " + scheme)
		browserDo(t, ctx, "open the thank-you page", chromedp.Navigate(origin+"/thank-you?reference=K7M2-Q9XD"))
		audit("the thank-you page, " + scheme)
	}
}

// screenshotDir is where the screenshots go: $ARTIFACTS_DIR when set, or
// testdata-artifacts at the repository's root.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("ARTIFACTS_DIR")
	if dir == "" {
		dir = filepath.Join(repoRoot(t), "testdata-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// outboxEmail is one email on the outbox page.
type outboxEmail struct {
	id, to string
}

var (
	outboxArticle = regexp.MustCompile(`(?s)<article id="email-([^"]+)">(.*?)</article>`)
	outboxTo      = regexp.MustCompile(`<dt>Envelope to</dt><dd>(.*?)</dd>`)
)

// waitForEmails polls the outbox until it holds n emails.
func waitForEmails(t *testing.T, ctx context.Context, origin string, n int) []outboxEmail {
	t.Helper()
	for {
		var emails []outboxEmail
		for _, m := range outboxArticle.FindAllStringSubmatch(fetchPage(t, origin+"/_dev/outbox"), -1) {
			e := outboxEmail{id: m[1]}
			if to := outboxTo.FindStringSubmatch(m[2]); to != nil {
				e.to = to[1]
			}
			emails = append(emails, e)
		}
		if len(emails) >= n {
			return emails
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the outbox has %d emails, want %d", len(emails), n)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// TestBrowserScreenshots takes phone-sized screenshots of the form, its
// error state, its success message and the two emails a request sends,
// and of the form in Spanish and its success message.
// With -update-screenshots they are copied to docs/screenshots.
func TestBrowserScreenshots(t *testing.T) {
	ctx := newBrowser(t)
	origin := newDevServer(t)
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

	browserDo(t, ctx, "open the form", chromedp.Navigate(origin+"/"), chromedp.WaitVisible(chromedp.CSS("#firstName")))
	shoot("form")

	bad := jordan
	bad.email, bad.consent = "jordan.rivera@example", false
	browserDo(t, ctx, "send with mistakes", fillForm(bad), sendForm(), chromedp.WaitVisible(chromedp.CSS("#appointment-problems")))
	shoot("form-errors")

	browserDo(t, ctx, "correct and send",
		chromedp.SetValue(chromedp.CSS("#email"), jordan.email),
		chromedp.Click(chromedp.CSS("#consent")),
		sendForm(),
		chromedp.WaitVisible(chromedp.CSS("#appointment-success")),
	)
	shoot("form-sent")

	emails := waitForEmails(t, ctx, origin, 2)
	for _, e := range emails {
		name := "email-front-desk"
		if strings.Contains(e.to, jordan.email) {
			name = "email-patient"
		}
		browserDo(t, ctx, "open "+name, chromedp.Navigate(origin+"/_dev/outbox/"+e.id+"/html"))
		shoot(name)
	}

	// The form in Spanish, and its confirmation.
	browserDo(t, ctx, "open the Spanish form", chromedp.Navigate(origin+"/?lang=es"), chromedp.WaitVisible(chromedp.CSS("#firstName")))
	shoot("form-es")
	browserDo(t, ctx, "send the Spanish form", fillForm(jordan), sendForm(), chromedp.WaitVisible(chromedp.CSS("#appointment-success")))
	shoot("form-sent-es")

	publishScreenshots(t, taken, dir)
}

// publishScreenshots copies the screenshots taken, in dir, to
// docs/screenshots when the test runs with -update-screenshots.
func publishScreenshots(t *testing.T, taken []string, dir string) {
	t.Helper()
	if *updateScreenshots {
		docs := filepath.Join(repoRoot(t), "docs", "screenshots")
		if err := os.MkdirAll(docs, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, path := range taken {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(docs, filepath.Base(path)), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Logf("screenshots in %s", dir)
}
