package localstore

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"example.com/appointments/internal/appointment"
)

// RecordFeedback records SES's report on an email, with the same rules as
// the DynamoDB adapter: only on the email sent as messageID, and never
// over a later report. A report that calls for an email
// (appointment.FeedbackEmails) is logged as a change, as the stream's
// filter passes it on AWS, so that the notice goes out.
func (s *Store) RecordFeedback(_ context.Context, id string, kind appointment.EmailKind, messageID string, r appointment.Report) (bool, error) {
	r.At = r.At.UTC()
	var recorded, logged bool
	err := s.write(func(tx *bolt.Tx) error {
		recorded, logged = false, false
		cur, ok, err := getRequest(tx, id)
		if err != nil || !ok {
			return err
		}
		d, err := getDelivery(tx, id, kind)
		if err != nil {
			return err
		}
		if d.State != appointment.DeliverySent || d.MessageID != messageID {
			return nil
		}
		if prev := d.Report.Feedback; prev != "" && !slices.Contains(r.Feedback.Replaces(), prev) {
			return nil
		}
		recorded = true
		if same(d.Report, r) {
			return nil
		}
		d.Report = r
		if err := putDelivery(tx, id, kind, d); err != nil {
			return err
		}
		after := cur
		after.Deliveries = maps.Clone(cur.Deliveries)
		after.Deliveries[kind] = d.Delivery
		if len(appointment.FeedbackEmails(&cur, &after)) == 0 {
			return nil
		}
		logged = true
		return recordChange(tx, changeRecord{Event: appointment.ChangeModified, At: s.now(), Before: &cur, After: &after})
	})
	if err == nil && logged {
		s.signal()
	}
	return recorded, err
}

func same(a, b appointment.Report) bool {
	return a.Feedback == b.Feedback && a.BounceType == b.BounceType && a.At.Equal(b.At)
}

type suppression struct {
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// Suppress records that the address with the given suppression key must
// not be emailed again; a second record keeps the first.
func (s *Store) Suppress(_ context.Context, key, reason string, at time.Time) error {
	v, err := json.Marshal(suppression{Reason: reason, At: at.UTC()})
	if err != nil {
		return err
	}
	return s.write(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSuppressions)
		if b.Get([]byte(key)) != nil {
			return nil
		}
		return b.Put([]byte(key), v)
	})
}

// Suppressed reports whether the address with the given suppression key
// is suppressed.
func (s *Store) Suppressed(_ context.Context, key string) (bool, error) {
	var found bool
	err := s.read(func(tx *bolt.Tx) error {
		found = tx.Bucket(bucketSuppressions).Get([]byte(key)) != nil
		return nil
	})
	return found, err
}
