package localstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"example.com/appointments/internal/appointment"
)

// changeRecord is one record of the change log, as stored.
type changeRecord struct {
	Event  appointment.ChangeEvent `json:"event"`
	At     time.Time               `json:"at"`
	Before *appointment.Request    `json:"before,omitempty"`
	After  *appointment.Request    `json:"after,omitempty"`
}

// Change is one record of the change log: what happened to a request, with
// its place in the log. A record that cannot be read has Err set and is
// handed out all the same, so that its consumer can say so and go on.
type Change struct {
	Seq uint64
	At  time.Time
	appointment.Change
	Err error
}

func recordChange(tx *bolt.Tx, c changeRecord) error {
	b := tx.Bucket(bucketChanges)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	v, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return b.Put(be64(seq), v)
}

func position(tx *bolt.Tx) (uint64, error) {
	v := tx.Bucket(bucketMeta).Get(keyPosition)
	switch len(v) {
	case 0:
		return 0, nil
	case 8:
		return binary.BigEndian.Uint64(v), nil
	default:
		return 0, fmt.Errorf("the change log's position is %d bytes long", len(v))
	}
}

// Position is the sequence number of the last change the consumer
// finished with; 0 before the first.
func (s *Store) Position(context.Context) (uint64, error) {
	var p uint64
	err := s.read(func(tx *bolt.Tx) error {
		var err error
		p, err = position(tx)
		return err
	})
	return p, err
}

// Changes returns up to max changes after the consumer's position, oldest
// first.
func (s *Store) Changes(_ context.Context, max int) ([]Change, error) {
	var out []Change
	err := s.read(func(tx *bolt.Tx) error {
		p, err := position(tx)
		if err != nil {
			return err
		}
		c := tx.Bucket(bucketChanges).Cursor()
		for k, v := c.Seek(be64(p + 1)); k != nil && len(out) < max; k, v = c.Next() {
			out = append(out, decodeChange(k, v))
		}
		return nil
	})
	return out, err
}

func decodeChange(k, v []byte) Change {
	ch := Change{Seq: binary.BigEndian.Uint64(k)}
	var rec changeRecord
	if err := json.Unmarshal(v, &rec); err != nil {
		ch.Err = fmt.Errorf("change %d: %w", ch.Seq, err)
		return ch
	}
	ch.At, ch.Event, ch.Before, ch.After = rec.At, rec.Event, rec.Before, rec.After
	return ch
}

// Consumed moves the consumer's position to seq: the changes up to it are
// done with, and dropped, and a restart resumes after it. The position
// never moves back. Unlike a table's stream, which keeps records a day for
// any consumer, the log has one consumer, so it keeps only what that
// consumer has yet to finish.
func (s *Store) Consumed(_ context.Context, seq uint64) error {
	return s.write(func(tx *bolt.Tx) error {
		p, err := position(tx)
		if err != nil {
			return err
		}
		if seq <= p {
			return nil
		}
		if err := tx.Bucket(bucketMeta).Put(keyPosition, be64(seq)); err != nil {
			return err
		}
		// The changes between the old position and the new, no more.
		c := tx.Bucket(bucketChanges).Cursor()
		for k, _ := c.First(); k != nil && bytes.Compare(k, be64(seq)) <= 0; k, _ = c.First() {
			if err := c.Delete(); err != nil {
				return err
			}
		}
		return nil
	})
}
