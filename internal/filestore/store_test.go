package filestore

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/dynamo"
	"example.com/appointments/internal/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T, clock func() time.Time) storetest.Store {
		s, err := Open(t.TempDir(), 365)
		if err != nil {
			t.Fatal(err)
		}
		s.SetClock(clock)
		return s
	})
}

// TestKeepsDataAcrossRestarts: what one process stored, the next finds,
// and its stream starts again from the oldest record, as a new event source
// mapping at the trim horizon would.
func TestKeepsDataAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, 365)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r := storetest.Request("x", time.Now())
	if _, err := s.Create(ctx, r, appointment.Dedupe{IdempotencyKey: "k", Fingerprint: r.Fingerprint()}); err != nil {
		t.Fatal(err)
	}
	if ok, _, err := s.ClaimEmail(ctx, r.ID, "patient", "l", time.Now().Add(time.Minute), time.Now()); !ok || err != nil {
		t.Fatalf("claim = %v, %v", ok, err)
	}

	again, err := Open(dir, 365)
	if err != nil {
		t.Fatal(err)
	}
	got, err := again.Get(ctx, r.ID)
	if err != nil || got.Fingerprint() != r.Fingerprint() || got.Deliveries["patient"].Lease != "l" {
		t.Fatalf("after reopening: %+v, %v", got, err)
	}
	// The key is still claimed.
	dup := storetest.Request("x", time.Now())
	if receipt, err := again.Create(ctx, dup, appointment.Dedupe{IdempotencyKey: "k", Fingerprint: dup.Fingerprint()}); err != nil || !receipt.Replayed || receipt.ID != r.ID {
		t.Errorf("repeat after reopening = %+v, %v", receipt, err)
	}
	recs, err := again.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0].EventName != "INSERT" || recs[1].EventName != "MODIFY" {
		t.Fatalf("stream after reopening: %d records", len(recs))
	}
	fromStream, err := dynamo.RequestFromImage(recs[0].Change.NewImage)
	if err != nil || fromStream.ID != r.ID || fromStream.Fingerprint() != r.Fingerprint() {
		t.Errorf("INSERT image = %+v, %v", fromStream, err)
	}
	if more, _ := again.Read(ctx); len(more) != 0 {
		t.Errorf("second Read returned %d old records", len(more))
	}
}

// TestFailedWriteChangesNothing: when the data cannot be written, the store
// answers ErrUnavailable and keeps what it had.
func TestFailedWriteChangesNothing(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, 365)
	if err != nil {
		t.Fatal(err)
	}
	s.path = dir + "/missing-folder/requests.json"
	r := storetest.Request("x", time.Now())
	if _, err := s.Create(context.Background(), r, appointment.Dedupe{Fingerprint: r.Fingerprint()}); !errors.Is(err, appointment.ErrUnavailable) {
		t.Fatalf("Create() error = %v, want ErrUnavailable", err)
	}
	if _, err := s.Get(context.Background(), r.ID); err == nil {
		t.Error("request kept in memory after the write failed")
	}
}

// TestOpensEarlierCounters: a data folder whose counters an earlier version
// wrote as bare numbers still opens, and counting goes on from them.
func TestOpensEarlierCounters(t *testing.T) {
	dir := t.TempDir()
	window := storetest.T0.Truncate(time.Hour)
	legacy := `{"requests":{},"claims":{},"counters":{"client-a#` + strconv.FormatInt(window.Unix(), 10) + `":4},"stream":[],"nextSeq":0}`
	if err := os.WriteFile(filepath.Join(dir, "requests.json"), []byte(legacy), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir, 365)
	if err != nil {
		t.Fatalf("Open() with earlier counters: %v", err)
	}
	s.SetClock(func() time.Time { return storetest.T0 })
	if n, err := s.Count(context.Background(), "client-a", window, time.Hour, 1); err != nil || n != 5 {
		t.Errorf("Count() = %d, %v; want 5", n, err)
	}
}
