package email

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"net/mail"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/testing/clinictest"
)

// The tests in this file check that every email the system sends is one a
// mail provider delivers to the inbox: scored by SpamAssassin, within the
// size Gmail shows unclipped, readable with images off, and honest about
// where its links go.

// allEmails composes every kind of email for every test request. A kind
// added later joins the checks by being composed here.
func allEmails(t *testing.T) map[string]Message {
	t.Helper()
	out := map[string]Message{}
	for _, tc := range composeCases() {
		c := tc.composer(t)
		c.now = time.Now // a real date, as SpamAssassin checks it
		for _, kind := range []Kind{Patient, FrontDesk, appointment.EmailBounceNotice} {
			m, err := c.Compose(kind, tc.request)
			if err != nil {
				t.Fatalf("%s/%s: %v", kind, tc.name, err)
			}
			out[string(kind)+"/"+tc.name] = m
		}
	}
	compose := func(name string, c *Composer, kind Kind, r appointment.Request) {
		c.now = time.Now
		m, err := c.Compose(kind, r)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = m
	}
	for _, tc := range transitionCases(t) {
		compose(tc.name, tc.composer(t), tc.kind, tc.request)
	}
	for _, tc := range deskInviteCases(t) {
		compose(tc.name, tc.composer(t), tc.kind, tc.request)
	}
	for _, tc := range digestCases(t) {
		c := tc.composer(t)
		c.now = time.Now
		m, err := c.ComposeDigest(tc.digest(t))
		if err != nil {
			t.Fatalf("digest-%s: %v", tc.name, err)
		}
		out["digest-"+tc.name] = m
	}
	// The longest digest there is, as a clinic that fell far behind
	// would get it.
	c := newTestComposer(t, defaultProfile(t))
	c.now = time.Now
	m, err := c.ComposeDigest(fullDigest(2 * MaxDigestEntries))
	if err != nil {
		t.Fatalf("digest-full: %v", err)
	}
	out["digest-full"] = m
	// The front desk's emails of a clinic whose language is Spanish.
	es := deskEmailSpanishComposer(t, StaffDetailFull)
	es.now = time.Now
	for name, m := range deskEmailMessages(t, es, completeRequest()) {
		out["clinic-es/"+name] = m
	}
	for _, tc := range deskInviteCases(t) {
		c, err := NewComposer(clinictest.Spanish(t), tc.composer(t).settings)
		if err != nil {
			t.Fatal(err)
		}
		compose("clinic-es/"+tc.name, c, tc.kind, tc.request)
	}
	return out
}

const maxSpamScore = 1.0

var spamStatus = regexp.MustCompile(`(?m)^X-Spam-Status: \w+, score=(-?[0-9.]+) required=[0-9.]+ tests=((?:[^\n]|\n\s)*)`)

// TestSpamAssassinScore scores the exact MIME message each email goes out
// as, with SpamAssassin's local rules (no network tests, which would vary
// with the machine's connectivity).
func TestSpamAssassinScore(t *testing.T) {
	if testing.Short() {
		t.Skip("runs SpamAssassin; runs without -short (make test)")
	}
	bin, err := exec.LookPath("spamassassin")
	if err != nil {
		t.Fatalf("spamassassin is not installed; install it with: apt-get install -y spamassassin")
	}
	for name, m := range allEmails(t) {
		t.Run(name, func(t *testing.T) {
			// Each run starts a Perl interpreter and loads the rules, which
			// takes longer than the scoring; running them side by side keeps
			// the test short.
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, "-L", "-t")
			cmd.Stdin = bytes.NewReader(m.Raw)
			var out, errOut bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errOut
			if err := cmd.Run(); err != nil {
				t.Fatalf("spamassassin: %v\n%s", err, errOut.String())
			}
			match := spamStatus.FindSubmatch(out.Bytes())
			if match == nil {
				t.Fatalf("no X-Spam-Status in spamassassin's output:\n%s", out.String())
			}
			score, err := strconv.ParseFloat(string(match[1]), 64)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("score %.1f, rules %s", score, strings.Join(strings.Fields(string(match[2])), ""))
			if score > maxSpamScore {
				report := out.String()
				if i := strings.Index(report, "Content analysis details"); i >= 0 {
					report = report[i:]
				}
				t.Errorf("score %.1f, want at most %.1f; rules that fired:\n%s", score, maxSpamScore, report)
			}
		})
	}
}

func TestSizeBudget(t *testing.T) {
	// Gmail clips messages whose HTML is over 102 KB, hiding the rest behind
	// a link.
	const maxHTML = 100 * 1000
	for name, m := range allEmails(t) {
		if len(m.HTML) > maxHTML {
			t.Errorf("%s: HTML is %d bytes, want at most %d", name, len(m.HTML), maxHTML)
		}
	}
}

// TestNoImagesOrTracking: an email read with images off loses nothing, and
// nothing in it reports back when it is opened.
func TestNoImagesOrTracking(t *testing.T) {
	// Looked for in the markup only: text a patient typed is escaped, so
	// "<img src=x>" in a reason is text, not an image.
	external := regexp.MustCompile(`(?i)^<(img|link|script|iframe|object|embed|video|audio)\b|\b(src|background|srcset)\s*=|url\(|@import`)
	for name, m := range allEmails(t) {
		markup := tags.FindAllString(m.HTML, -1)
		markup = append(markup, styleBlocks.FindAllString(m.HTML, -1)...)
		for _, tag := range markup {
			if external.MatchString(tag) {
				t.Errorf("%s: HTML loads something: %q", name, tag)
			}
		}
	}
}

var anchor = regexp.MustCompile(`(?is)<a\b[^>]*\bhref="([^"]*)"[^>]*>(.*?)</a>`)

// TestLinkTextMatchesDestination: a link shows where it goes, as phishing
// filters and careful readers expect. The one exception is an action link,
// whose text names what it does ("Schedule", "Cancel this request"):
// its address is a long signed token nobody reads, and the text claims no
// other place, since it holds no address at all.
func TestLinkTextMatchesDestination(t *testing.T) {
	for name, m := range allEmails(t) {
		links := anchor.FindAllStringSubmatch(m.HTML, -1)
		if len(links) == 0 {
			t.Errorf("%s: no links found; the check would pass vacuously", name)
		}
		for _, l := range links {
			href, text := html.UnescapeString(l[1]), strings.TrimSpace(html.UnescapeString(stripTags(l[2])))
			if !linkMatches(href, text) {
				t.Errorf("%s: link text %q does not match its destination %q", name, text, href)
			}
		}
	}
}

// addressLike finds text that reads as a web address or a domain.
var addressLike = regexp.MustCompile(`(?i)https?:|www\.|[a-z0-9-]+\.[a-z]{2,}`)

func linkMatches(href, text string) bool {
	switch {
	case strings.HasPrefix(href, testLinkBase):
		return !addressLike.MatchString(text)
	case strings.HasPrefix(href, "tel:"):
		return strings.HasSuffix(digits(href), digits(text)) && len(digits(text)) >= 7
	case strings.HasPrefix(href, "mailto:"):
		return strings.EqualFold(strings.TrimPrefix(href, "mailto:"), text)
	case strings.HasPrefix(href, "https://"), strings.HasPrefix(href, "http://"):
		host := strings.SplitN(strings.SplitN(href, "://", 2)[1], "/", 2)[0]
		return strings.Contains(strings.ToLower(text), strings.ToLower(host))
	}
	return false
}

func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

var (
	invisibleBlocks = regexp.MustCompile(`(?is)<head\b.*?</head>|<style\b.*?</style>|<!--.*?-->`)
	tags            = regexp.MustCompile(`(?s)<[^>]*>`)
	styleBlocks     = regexp.MustCompile(`(?is)<style\b.*?</style>`)
)

func stripTags(s string) string { return tags.ReplaceAllString(s, " ") }

// words returns the distinct words of a text, lower case.
func words(s string) map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		out[w] = true
	}
	return out
}

// TestTextPartSaysTheSame: the plain-text part carries what the HTML part
// shows, word for word apart from layout, so a reader of either misses
// nothing and filters see two parts that agree.
func TestTextPartSaysTheSame(t *testing.T) {
	for name, m := range allEmails(t) {
		visible := html.UnescapeString(stripTags(invisibleBlocks.ReplaceAllString(m.HTML, " ")))
		inHTML, inText := words(visible), words(m.Text)
		var onlyHTML, onlyText []string
		for w := range inHTML {
			if !inText[w] {
				onlyHTML = append(onlyHTML, w)
			}
		}
		for w := range inText {
			if !inHTML[w] {
				onlyText = append(onlyText, w)
			}
		}
		slices.Sort(onlyHTML)
		slices.Sort(onlyText)
		// The text part spells out the addresses the HTML puts behind
		// links. The HTML's text shows the clinic's own addresses, so only
		// their scheme may be extra; an action link's address is all extra,
		// as its HTML text names the action instead.
		inActionLinks := map[string]bool{}
		for _, l := range anchor.FindAllStringSubmatch(m.HTML, -1) {
			if href := html.UnescapeString(l[1]); strings.HasPrefix(href, testLinkBase) {
				for w := range words(href) {
					inActionLinks[w] = true
				}
			}
		}
		onlyText = slices.DeleteFunc(onlyText, func(w string) bool { return w == "https" || w == "http" || w == "www" || inActionLinks[w] })
		if len(onlyHTML) > 0 || len(onlyText) > 0 {
			t.Errorf("%s: parts differ\nonly in HTML: %v\nonly in text: %v", name, onlyHTML, onlyText)
		}
	}
}

// TestDateAndMessageIDOnSenderDomain: the headers a receiving server
// checks first are present and name the clinic's own domain.
func TestDateAndMessageIDOnSenderDomain(t *testing.T) {
	for name, m := range allEmails(t) {
		msg, err := mail.ReadMessage(bytes.NewReader(m.Raw))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		date, err := msg.Header.Date()
		if err != nil || time.Since(date) > time.Minute || time.Since(date) < -time.Minute {
			t.Errorf("%s: Date %q, %v; want now", name, msg.Header.Get("Date"), err)
		}
		domain := testSender[strings.IndexByte(testSender, '@'):]
		if id := msg.Header.Get("Message-Id"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, domain+">") {
			t.Errorf("%s: Message-ID %q is not on the sender's domain %s", name, id, domain)
		}
		if got := fmt.Sprint(msg.Header.Get("From")); !strings.Contains(got, testSender) {
			t.Errorf("%s: From %q", name, got)
		}
	}
}
