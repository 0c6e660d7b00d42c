package localstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"example.com/appointments/internal/appointment"
)

// Email is one email in the outbox: its envelope and the raw MIME message
// as its recipient would receive it. An entry that cannot be read has Err
// set.
type Email struct {
	ID        uint64    `json:"-"`
	MessageID string    `json:"messageId"`
	At        time.Time `json:"at"`
	From      string    `json:"from"`
	To        []string  `json:"to"`
	// RequestID and Kind name the request's email it is
	// (appointment.Message), as the tags on an email sent through SES do;
	// RequestID is empty for others, such as the digest.
	RequestID string                `json:"requestId,omitempty"`
	Kind      appointment.EmailKind `json:"kind,omitempty"`
	Raw       []byte                `json:"-"` // kept apart, as it was sent

	Err error `json:"-"`
}

// Send keeps the message in the outbox, in place of SES, and returns a
// local message ID.
func (s *Store) Send(ctx context.Context, m appointment.Message) (string, error) {
	return s.Keep(ctx, "", m)
}

// Keep keeps a message another service sent under messageID, or one the
// outbox itself sends when messageID is empty. An email of a request
// (m.RequestID set) is kept once: trying it again, after a crash fell
// between sending and recording it, returns the message ID it was kept
// under, as SES's answer would have said.
func (s *Store) Keep(_ context.Context, messageID string, m appointment.Message) (string, error) {
	named := m.RequestID != ""
	// The email of a request is kept once, under its request and kind.
	key := []byte(m.RequestID + "/" + string(m.Kind))
	suffix := strings.ToLower(rand.Text())
	var id string
	err := s.write(func(tx *bolt.Tx) error {
		if named {
			if seq := tx.Bucket(bucketSent).Get(key); seq != nil {
				e, err := getEmail(tx, seq)
				id = e.MessageID
				return err
			}
		}
		b := tx.Bucket(bucketOutbox)
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		id = messageID
		if id == "" {
			id = fmt.Sprintf("local-%d-%s", seq, suffix)
		}
		e := Email{MessageID: id, At: s.now().UTC(), From: m.From, To: m.To}
		if named {
			e.RequestID, e.Kind = m.RequestID, m.Kind
		}
		v, err := json.Marshal(e)
		if err != nil {
			return err
		}
		if err := b.Put(be64(seq), v); err != nil {
			return err
		}
		if err := tx.Bucket(bucketRaw).Put(be64(seq), m.Raw); err != nil {
			return err
		}
		if named {
			return tx.Bucket(bucketSent).Put(key, be64(seq))
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("keep email: %w", err)
	}
	return id, nil
}

func getEmail(tx *bolt.Tx, seq []byte) (Email, error) {
	v := tx.Bucket(bucketOutbox).Get(seq)
	if v == nil {
		return Email{}, fmt.Errorf("outbox entry %d is missing", binary.BigEndian.Uint64(seq))
	}
	return decodeEmail(tx, seq, v), nil
}

// storedEmail is an outbox entry as stored. Entries kept by earlier
// versions name the request's email as one "id/kind" string, Delivery,
// which is read so that their feedback buttons still work.
type storedEmail struct {
	Email
	Delivery string `json:"delivery,omitempty"`
}

// decodeEmail reads the outbox entry with key k and envelope v, and its
// message.
func decodeEmail(tx *bolt.Tx, k, v []byte) Email {
	var stored storedEmail
	err := json.Unmarshal(v, &stored)
	e := stored.Email
	if id, kind, ok := strings.Cut(stored.Delivery, "/"); ok && e.RequestID == "" {
		e.RequestID, e.Kind = id, appointment.EmailKind(kind)
	}
	if err != nil {
		e = Email{Err: err}
	} else if raw := tx.Bucket(bucketRaw).Get(k); raw == nil {
		e.Err = errors.New("the message is missing")
	} else {
		e.Raw = bytes.Clone(raw)
	}
	e.ID = binary.BigEndian.Uint64(k)
	return e
}

// Emails returns up to n emails, newest first, starting before the entry
// before (0 for the newest), and the cursor of the page after, 0 at the
// end. An entry that cannot be read is returned with Err set.
func (s *Store) Emails(_ context.Context, before uint64, n int) ([]Email, uint64, error) {
	var out []Email
	var next uint64
	err := s.read(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketOutbox).Cursor()
		k, v := c.Last()
		if before > 0 {
			k, v = c.Seek(be64(before))
			if k == nil {
				k, v = c.Last()
			} else {
				k, v = c.Prev()
			}
		}
		for ; k != nil; k, v = c.Prev() {
			if len(out) == n {
				next = out[n-1].ID
				return nil
			}
			out = append(out, decodeEmail(tx, k, v))
		}
		return nil
	})
	return out, next, err
}

// EmailByID returns one email of the outbox, by the ID Emails gave it.
func (s *Store) EmailByID(_ context.Context, id string) (Email, bool, error) {
	seq, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		return Email{}, false, nil
	}
	var e Email
	var ok bool
	err = s.read(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketOutbox).Get(be64(seq))
		if v != nil {
			e, ok = decodeEmail(tx, be64(seq), v), true
		}
		return nil
	})
	return e, ok, err
}
