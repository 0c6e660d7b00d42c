package devserver

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/email"
	"example.com/appointments/internal/i18n"
)

// web holds the pages' templates and the form's script and stylesheet. The
// script and stylesheet are the same files a clinic copies to its own site.
//
//go:embed web
var web embed.FS

var pages = template.Must(template.New("pages").ParseFS(web, "web/*.html.tmpl"))

// assets are the files served under /assets/, with their content types.
// Only these are served: the templates beside them are not for browsers.
var assets = map[string]string{
	"form.js":  "text/javascript; charset=utf-8",
	"form.css": "text/css; charset=utf-8",
}

// choice is one option of a radio or checkbox group.
type choice struct {
	Value string
	Label string
}

// formPage is what the form and thank-you templates are rendered from.
type formPage struct {
	// Clinic is the profile as a reader of Lang reads it (clinic.Profile.In).
	Clinic *clinic.Profile
	// Lang is the language the page is shown in, and Languages the switch
	// between the languages the clinic has texts in.
	Lang      i18n.Language
	Languages []languageLink
	// Action is where the form posts: the API's /appointments URL.
	Action string
	// Theme sets the clinic's colours as CSS custom properties for form.css.
	Theme template.CSS
	// Locations is empty when the clinic has one location, which the API
	// then fills in itself.
	Locations      []clinic.Location
	Days           []choice
	Times          []choice
	ContactMethods []choice
	MaxName        int
	MaxEmail       int
	MaxPhone       int
	MaxReason      int
	PrivacyURL     string
	// PhoneText is the clinic's number as the emails show it, and
	// PhoneURL its tel: link.
	PhoneText string
	PhoneURL  template.URL
	// Reference is the thank-you page's request reference, when it has one.
	Reference string
	// TurnstileSiteKey, when set, puts Cloudflare's Turnstile widget in the
	// form; the widget adds its token to the form as cf-turnstile-response.
	TurnstileSiteKey string
}

// languageLink is one language of the page's switch: its name in itself,
// the page in it, and whether it is the one shown.
type languageLink struct {
	Lang    i18n.Language
	Name    string
	URL     string
	Current bool
}

// T is the catalog's message key in the page's language (internal/i18n).
// Numbers are passed as text, as the catalog asks.
func (p formPage) T(key string, args ...any) string { return p.Lang.Sprintf(key, args...) }

// Hours is how many business hours the front desk answers within, as
// text for T.
func (p formPage) Hours() string { return strconv.Itoa(p.Clinic.ReplyWithinBusinessHours) }

// FormURL is the form's page in the page's language.
func (p formPage) FormURL() string {
	for _, l := range p.Languages {
		if l.Current && l.Lang != p.Languages[0].Lang {
			return l.URL
		}
	}
	return "/"
}

// LangTag is the page's lang attribute.
func (p formPage) LangTag() string { return p.Lang.Tag().String() }

// Messages are what form.js says itself, in the page's language, as JSON
// for the form's data-messages attribute; the script falls back on its own
// English without it.
func (p formPage) Messages() string {
	call := func(key string) string {
		if p.PhoneText == "" {
			return ""
		}
		return p.T(key, p.PhoneText)
	}
	failed := p.T("form.script.failed")
	if p.PhoneText != "" {
		failed = p.T("form.script.failed.call", p.PhoneText)
	}
	b, err := json.Marshal(map[string]string{
		"sending":     p.T("form.script.sending"),
		"error":       p.T("form.script.error"),
		"problem":     p.T("form.page.problem"),
		"notSent":     p.T("form.script.notSent"),
		"later":       p.T("form.script.later"),
		"unreachable": p.T("form.script.unreachable") + call("form.script.unreachable.call"),
		"failed":      failed,
		"thanks":      p.T("form.script.thanks"),
		// The script puts the reference where {reference} is.
		"reference": p.T("form.script.reference", "{reference}"),
	})
	if err != nil {
		// A map of strings always encodes.
		panic(err)
	}
	return string(b)
}

// turnstileOrigin serves Cloudflare's Turnstile script and the frame the
// widget runs in. Cloudflare asks that the script be loaded from there and
// never copied or cached elsewhere.
const turnstileOrigin = "https://challenges.cloudflare.com"

// TurnstileScript is the URL of Cloudflare's Turnstile script.
func (formPage) TurnstileScript() string { return turnstileOrigin + "/turnstile/v0/api.js" }

// newFormPage is the page of p's form, posting to action, in lang; its
// language switch leads to path in each of p's languages, the clinic's
// first.
func newFormPage(p *clinic.Profile, action string, lang i18n.Language, path string) formPage {
	// The clinic's number as the emails show it.
	phoneText, _ := email.DisplayPhone(p.Phone, "", p.DefaultRegion)
	page := formPage{
		Clinic:         p.In(lang),
		Lang:           lang,
		Action:         action,
		Theme:          theme(p),
		Days:           openDays(p, lang),
		Times:          choices(appointment.Times, func(v string) string { return lang.Sprintf("form.choice.time." + v) }),
		ContactMethods: choices(appointment.ContactMethods, func(v string) string { return lang.Sprintf("form.choice.contact." + v) }),
		MaxName:        appointment.MaxNameLength,
		MaxEmail:       appointment.MaxEmailLength,
		MaxPhone:       appointment.MaxPhoneLength,
		MaxReason:      appointment.MaxReasonLength,
		PrivacyURL:     strings.TrimRight(p.Website, "/") + "/privacy",
		PhoneText:      phoneText,
		PhoneURL:       phoneURL(p.Phone),
	}
	if len(p.Locations) > 1 {
		page.Locations = page.Clinic.Locations
	}
	for _, l := range p.Languages() {
		page.Languages = append(page.Languages, languageLink{
			Lang: l, Name: capitalize(l.Name(l)), URL: path + "?lang=" + string(l), Current: l == lang,
		})
	}
	return page
}

// pageLanguage is the language a page is asked for in its lang parameter,
// when the clinic has texts in it, or else the clinic's.
func pageLanguage(p *clinic.Profile, r *http.Request) i18n.Language {
	if l, ok := i18n.Parse(r.URL.Query().Get("lang")); ok && slices.Contains(p.Languages(), l) {
		return l
	}
	return p.Language
}

// capitalize writes s with a capital first letter, as a language's name
// stands alone in a switch: "Español".
func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// formHandler serves the demo form page: the reference form the clinic
// pastes into its site, posting to action. With a Turnstile site key the
// form shows the widget and the page's policy lets it load.
// The page is rendered once in each of the clinic's languages; ?lang=
// chooses one, and the clinic's is shown without it.
func formHandler(p *clinic.Profile, action, turnstileSiteKey string) http.Handler {
	bodies := map[i18n.Language][]byte{}
	for _, l := range p.Languages() {
		page := newFormPage(p, action, l, "/")
		page.TurnstileSiteKey = turnstileSiteKey
		body, err := render("form.html.tmpl", page)
		if err != nil {
			// The template and the validated profile are fixed when the
			// server starts, so this is a programming error.
			panic(err)
		}
		bodies[l] = body
	}
	csp := contentSecurityPolicy(theme(p), action, turnstileSiteKey != "")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		writePage(w, r, csp, bodies[pageLanguage(p, r)])
	})
}

// thankYouHandler serves the thank-you page a plain form post is
// redirected to; it shows ?reference= (escaped), in the language of ?lang=
// (the request's, which the API's redirect carries).
func thankYouHandler(p *clinic.Profile) http.Handler {
	csp := contentSecurityPolicy(theme(p), "", false)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page := newFormPage(p, "", pageLanguage(p, r), "/")
		page.Reference = displayReference(r.URL.Query().Get("reference"))
		body, err := render("thank-you.html.tmpl", page)
		if err != nil {
			http.Error(w, "the page could not be shown", http.StatusInternalServerError)
			return
		}
		writePage(w, r, csp, body)
	})
}

// assetsHandler serves the form's script and stylesheet under /assets/ (embedded, with correct content types).
func assetsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/assets/")
		contentType, ok := assets[name]
		if !ok || name != path.Base(name) {
			http.NotFound(w, r)
			return
		}
		b, err := fs.ReadFile(web, "web/"+name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		sum := sha256.Sum256(b)
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		// The files change only with a rebuild; revalidating by ETag keeps a
		// browser from running an old script against a new page.
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("ETag", `"`+base64.RawURLEncoding.EncodeToString(sum[:12])+`"`)
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
	})
}

func render(name string, page formPage) ([]byte, error) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, page); err != nil {
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

func writePage(w http.ResponseWriter, r *http.Request, csp string, body []byte) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	h.Set("Content-Security-Policy", csp)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}

// contentSecurityPolicy allows the pages nothing inline but their own theme,
// by its hash. That keeps the demo honest: a script that works here also
// works on a clinic website with a strict policy. The API may live on
// another origin, so the form may send to it. With turnstile set, the page
// may also load Cloudflare's script and the frame the widget runs in,
// which is all Cloudflare documents the widget to need; without it the
// policy is as strict as ever.
func contentSecurityPolicy(theme template.CSS, action string, turnstile bool) string {
	sum := sha256.Sum256([]byte(theme))
	connect := "'self'"
	if u, err := url.Parse(action); err == nil && u.Scheme != "" && u.Host != "" {
		connect += " " + u.Scheme + "://" + u.Host
	}
	directives := []string{"default-src 'self'"}
	if turnstile {
		directives = append(directives, "script-src 'self' "+turnstileOrigin)
	}
	directives = append(directives,
		"style-src 'self' 'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'",
		"connect-src "+connect,
	)
	if turnstile {
		directives = append(directives, "frame-src "+turnstileOrigin)
	}
	directives = append(directives,
		"img-src 'self' data:",
		"object-src 'none'",
		"base-uri 'none'",
		"frame-ancestors 'none'",
	)
	return strings.Join(directives, "; ")
}

// displayReference returns s when it is a request reference, else "". The
// thank-you page shows only such a code, so that a link cannot make the
// clinic's page display a message of someone else's choosing.
func displayReference(s string) string {
	ref, err := appointment.ParseReference(s)
	if err != nil {
		return ""
	}
	return ref
}

// openDays are the days the clinic has opening hours on, Monday first: a
// patient is not offered a day the clinic is closed. With no hours in the
// profile every day is offered.
func openDays(p *clinic.Profile, lang i18n.Language) []choice {
	var days []string
	for _, d := range clinic.Weekdays {
		if len(p.Hours) == 0 || slices.ContainsFunc(p.Hours, func(h clinic.Hours) bool { return slices.Contains(h.Days, d) }) {
			days = append(days, d)
		}
	}
	return choices(days, func(d string) string {
		return capitalize(lang.Weekday(time.Weekday(slices.Index(clinic.Weekdays, d)+1) % 7))
	})
}

func choices(values []string, label func(string) string) []choice {
	out := make([]choice, 0, len(values))
	for _, v := range values {
		out = append(out, choice{Value: v, Label: label(v)})
	}
	return out
}

// phoneURL is a tel: link to the clinic's number. html/template refuses
// tel: URLs it did not see built, so only digits and a leading plus go in.
func phoneURL(phone string) template.URL {
	return template.URL("tel:" + appointment.DialString(phone))
}

// theme derives the form's colours from the clinic's brand colour so that
// any brand keeps text and focus outlines readable, in light and in dark
// mode. The clinic's name on the brand colour is white or near-black,
// whichever contrasts more. The accent, for the button, links and focus,
// is the brand colour darkened until it reaches 4.5:1 against the white
// card, so white text on it reaches 4.5:1 as well; in dark mode it is
// lightened until it does against the dark card.
func theme(p *clinic.Profile) template.CSS {
	c := p.Palette()
	return template.CSS(fmt.Sprintf(
		":where(.appointment,.clinic-page){--appt-brand:%s;--appt-on-brand:%s;--appt-accent:%s;--appt-tint:%s;--appt-dark-accent:%s;--appt-on-dark-accent:%s;--appt-dark-tint:%s}",
		c.Brand, c.OnBrand, c.Link, c.Tint, c.DarkLink, c.OnDarkLink, c.DarkTint))
}
