package email

import (
	"testing"
)

// BenchmarkCompose composes the two emails of one new request, the
// patient's confirmation and the front desk's notification, as the notify
// function does for each request, with the default clinic profile and the
// composer's own clock and Message-IDs.
func BenchmarkCompose(b *testing.B) {
	c, err := NewComposer(defaultProfile(b), Settings{Sender: testSender, FrontDesk: testFrontDesk, Links: testLinks})
	if err != nil {
		b.Fatal(err)
	}
	r := completeRequest()
	b.ReportAllocs()
	for b.Loop() {
		for _, kind := range []Kind{Patient, FrontDesk} {
			if _, err := c.Compose(kind, r); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkNewComposer measures what a cold start pays for email: the
// composer, with every template parsed and compiled, then the first two
// emails.
func BenchmarkNewComposer(b *testing.B) {
	p := defaultProfile(b)
	b.ReportAllocs()
	for b.Loop() {
		c, err := NewComposer(p, Settings{Sender: testSender, FrontDesk: testFrontDesk, Links: testLinks})
		if err != nil {
			b.Fatal(err)
		}
		// Templates of its own, as a new process parses them.
		t, err := parseAll()
		if err != nil {
			b.Fatal(err)
		}
		c.html, c.text = t.html, t.text
		for _, kind := range []Kind{Patient, FrontDesk} {
			if _, err := c.Compose(kind, completeRequest()); err != nil {
				b.Fatal(err)
			}
		}
	}
}
