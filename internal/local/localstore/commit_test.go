package localstore

import (
	"errors"
	"testing"

	bolt "go.etcd.io/bbolt"

	"example.com/appointments/internal/appointment"
)

// TestRefusalAnsweredOnceWhatItSawIsWritten: two writes share a commit,
// and the second is refused because of what the first wrote, as the loser
// of two desk actions on one request is. The refusal is answered only once
// the first write is committed, so that the loser, reading the request
// again, finds what beat it; the commit is built by hand, so the two
// writes share it every time.
func TestRefusalAnsweredOnceWhatItSawIsWritten(t *testing.T) {
	s := open(t, t.TempDir())
	key := []byte("race")
	// Each write moves the state from "received" to its own, as a
	// conditional write does, and is refused when the state has moved on.
	move := func(to string) func(tx *bolt.Tx) error {
		return func(tx *bolt.Tx) error {
			b := tx.Bucket(bucketMeta)
			if v := b.Get(key); v != nil && string(v) != "received" {
				return outcomeError{appointment.ErrConflict}
			}
			return b.Put(key, []byte(to))
		}
	}
	if err := s.write(move("received")); err != nil {
		t.Fatal(err)
	}
	winner := &writeOp{fn: move("contacted"), done: make(chan error, 1)}
	// Unbuffered: the commit waits while the test looks at what is
	// written at the moment the refusal is answered.
	loser := &writeOp{fn: move("declined"), done: make(chan error)}
	go s.commitGroup([]*writeOp{winner, loser})

	err := <-loser.done
	var refusal outcomeError
	if !errors.As(err, &refusal) || !errors.Is(refusal.err, appointment.ErrConflict) {
		t.Fatalf("the second write's answer = %v, want ErrConflict", err)
	}
	var seen string
	if err := s.read(func(tx *bolt.Tx) error {
		seen = string(tx.Bucket(bucketMeta).Get(key))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if seen != "contacted" {
		t.Errorf("when the refusal was answered, the state read %q, want the first write's %q", seen, "contacted")
	}
	if err := <-winner.done; err != nil {
		t.Errorf("the first write: %v", err)
	}
}
