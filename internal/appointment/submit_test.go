package appointment

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"example.com/appointments/internal/libphonenumber"
)

// countingStore is a SubmissionStore in memory that records its counters
// by name, and can be told to fail.
type countingStore struct {
	mu       sync.Mutex
	counts   map[string]int
	created  []Request
	createFn func(Request) (Receipt, error)
}

func (s *countingStore) Create(_ context.Context, r Request, _ Dedupe) (Receipt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.createFn != nil {
		return s.createFn(r)
	}
	s.created = append(s.created, r)
	return Receipt{ID: r.ID, Reference: r.Reference}, nil
}

func (s *countingStore) Replay(context.Context, Request, Dedupe) (Receipt, bool, error) {
	return Receipt{}, false, nil
}

func (s *countingStore) Count(_ context.Context, name string, _ time.Time, _ time.Duration, delta int) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.counts == nil {
		s.counts = map[string]int{}
	}
	s.counts[name] += delta
	return s.counts[name], nil
}

func (s *countingStore) Decoy(ctx context.Context, name string, start time.Time, window time.Duration) (bool, error) {
	n, err := s.Count(ctx, name, start, window, 1)
	return n > 1, err
}

// counted sums the counters whose names start with prefix.
func (s *countingStore) counted(prefix string) int {
	n := 0
	for name, c := range s.counts {
		if strings.HasPrefix(name, prefix) {
			n += c
		}
	}
	return n
}

var submitKey = []byte("0123456789abcdef0123456789abcdef")

func newSubmitter(t *testing.T, store SubmissionStore, limits SubmitLimits) *Submitter {
	t.Helper()
	s, err := NewSubmitter(store, limits, submitKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func submission(t *testing.T, email string) Submission {
	t.Helper()
	r, err := with(validForm(), FieldEmail, email).Validate(profile(t), libphonenumber.Reader{})
	if err != nil {
		t.Fatal(err)
	}
	return Submission{Request: r, Dedupe: Dedupe{Fingerprint: r.Fingerprint()}, SourceIP: "198.51.100.7"}
}

func TestNewSubmitterRefusesUnsetLimits(t *testing.T) {
	on := SubmitLimits{Attempts: PerHour(60), Accepted: PerHour(10), PerAddress: PerDay(3)}
	tests := []struct {
		name   string
		limits SubmitLimits
		key    []byte
		ok     bool
	}{
		{"every limit on", on, submitKey, true},
		{"every limit off", SubmitLimits{Attempts: NoLimit, Accepted: NoLimit, PerAddress: NoLimit}, submitKey, true},
		{"attempts unset", SubmitLimits{Accepted: on.Accepted, PerAddress: on.PerAddress}, submitKey, false},
		{"per address unset", SubmitLimits{Attempts: on.Attempts, Accepted: on.Accepted}, submitKey, false},
		{"short key", on, submitKey[:MinKeyBytes-1], false},
	}
	for _, tt := range tests {
		_, err := NewSubmitter(&countingStore{}, tt.limits, tt.key, nil)
		if got := err == nil; got != tt.ok {
			t.Errorf("%s: NewSubmitter() error %v, want accepted %v", tt.name, err, tt.ok)
		}
	}
}

// TestPerAddressLimitOnce: the per-address limit counts stored requests
// by the mailbox they reach, refuses the one past its Max with a
// *LimitError saying which limit and when it ends, and gives a count back
// when nothing was stored.
func TestPerAddressLimitOnce(t *testing.T) {
	store := &countingStore{}
	s := newSubmitter(t, store, SubmitLimits{Attempts: NoLimit, Accepted: NoLimit, PerAddress: PerDay(2)})
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return now }
	ctx := context.Background()

	store.createFn = func(Request) (Receipt, error) { return Receipt{}, ErrUnavailable }
	if _, err := s.Submit(ctx, submission(t, "victim@example.com")); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Submit() during an outage = %v, want ErrUnavailable", err)
	}
	if n := store.counted(counterAddress); n != 0 {
		t.Errorf("after an outage the address counts %d, want it given back", n)
	}
	store.createFn = nil

	var errs []error
	for _, addr := range []string{"victim@example.com", "Victim+a@example.com", "victim+b@EXAMPLE.com"} {
		_, err := s.Submit(ctx, submission(t, addr))
		errs = append(errs, err)
	}
	var limit *LimitError
	if errs[0] != nil || errs[1] != nil || !errors.As(errs[2], &limit) {
		t.Fatalf("errors %v, want two stored and the third refused by a *LimitError", errs)
	}
	if want := (LimitError{Of: LimitPerAddress, Limit: 2, Window: 24 * time.Hour, Until: time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)}); *limit != want {
		t.Errorf("limit error %+v, want %+v", *limit, want)
	}
	if len(store.created) != 2 {
		t.Errorf("stored %d requests, want 2", len(store.created))
	}
	for name := range store.counts {
		if strings.Contains(name, "victim") || strings.Contains(name, "198.51.100") {
			t.Errorf("counter %q names a patient detail", name)
		}
	}
}

// TestSubmitCountsAnInvalidAttempt: a submission that could not be read
// still counts against its client's attempt budget, and is answered with
// its own error until the budget is spent.
func TestSubmitCountsAnInvalidAttempt(t *testing.T) {
	store := &countingStore{}
	s := newSubmitter(t, store, SubmitLimits{Attempts: PerHour(2), Accepted: PerHour(10), PerAddress: PerDay(3)})
	invalid := errors.New("unreadable body")
	var got []error
	for range 3 {
		_, err := s.Submit(context.Background(), Submission{Invalid: invalid, SourceIP: "198.51.100.7"})
		got = append(got, err)
	}
	var limit *LimitError
	if got[0] != invalid || got[1] != invalid || !errors.As(got[2], &limit) || limit.Of != LimitAttempts {
		t.Errorf("errors %v, want the reader's error twice, then the attempts limit", got)
	}
	if n := store.counted(counterAttempts); n != 3 {
		t.Errorf("attempts counted %d, want 3", n)
	}
}
