package httpapi

import (
	"context"
	"testing"
	"time"
)

// unlimited lifts the fixture's limits far above any benchmark's count, so
// that every submission is counted as in production but none is refused
// with 429: a benchmark runs the same client and address many thousand
// times, where the fixture allows a handful an hour.
func unlimited(b *testing.B, f *fixture) {
	f.configure(b, func(c *Config) {
		c.Accepted = Limit{Max: 1 << 30, Window: time.Hour}
		c.Attempts = Limit{Max: 1 << 30, Window: time.Hour}
		c.PerAddress = Limit{Max: 1 << 30, Window: 24 * time.Hour}
	})
}

// BenchmarkHandleJSON measures one JSON submission through decoding,
// validation and response building, with storage faked out.
func BenchmarkHandleJSON(b *testing.B) {
	f := newFixture(b)
	unlimited(b, f)
	e := jsonEvent(validJSON)
	b.ReportAllocs()
	for b.Loop() {
		if resp, _ := f.h.Handle(context.Background(), e); resp.StatusCode != 201 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}

// BenchmarkHandleFormError measures a plain form post refused with the HTML
// error page, the most expensive answer to build.
func BenchmarkHandleFormError(b *testing.B) {
	f := newFixture(b)
	unlimited(b, f)
	v := validValues()
	v.Del("email")
	e := formEvent(v)
	b.ReportAllocs()
	for b.Loop() {
		if resp, _ := f.h.Handle(context.Background(), e); resp.StatusCode != 422 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}
