package httpapi

import (
	"context"
	"testing"
)

// BenchmarkHandleJSON measures one JSON submission through decoding,
// validation and response building, with storage faked out.
func BenchmarkHandleJSON(b *testing.B) {
	f := newFixture(b)
	f.h.cfg.Accepted, f.h.cfg.Attempts, f.h.cfg.PerAddress = Limit{}, Limit{}, Limit{}
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
