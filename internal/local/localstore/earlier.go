package localstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"example.com/appointments/internal/appointment"
)

// Earlier versions of the local server kept the requests in one JSON file,
// store/requests.json, and each email of the outbox in a JSON file of its
// own in outbox/. ImportEarlier brings such a folder's data into the
// database, so that nothing a developer had is dropped by the upgrade.

// earlierStore is the part of store/requests.json worth keeping.
type earlierStore struct {
	Requests map[string]appointment.Request `json:"requests"`
}

// earlierEmail is one file of the earlier outbox.
type earlierEmail struct {
	MessageID string    `json:"messageId"`
	At        time.Time `json:"at"`
	From      string    `json:"from"`
	To        []string  `json:"to"`
	Raw       []byte    `json:"raw"`
}

// ImportEarlier imports the data an earlier version kept in dir, if any,
// and renames what it read with an .imported suffix, so that it is read
// once. A request whose emails were not all settled is logged as new, so
// that they go out; the others are not sent again. It returns how many
// requests and emails it imported.
func (s *Store) ImportEarlier(dir string) (requests, emails int, err error) {
	storeDir := filepath.Join(dir, "store")
	storeFile := filepath.Join(storeDir, "requests.json")
	outboxDir := filepath.Join(dir, "outbox")

	var old earlierStore
	b, err := os.ReadFile(storeFile)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return 0, 0, err
	default:
		if err := json.Unmarshal(b, &old); err != nil {
			return 0, 0, fmt.Errorf("%s, from an earlier version, cannot be read: %w; move it aside to start without it", storeFile, err)
		}
	}
	names, err := filepath.Glob(filepath.Join(outboxDir, "*.json"))
	if err != nil {
		return 0, 0, err
	}
	slices.Sort(names) // the names begin with the time sent
	var mails []earlierEmail
	for _, name := range names {
		var e earlierEmail
		b, err := os.ReadFile(name)
		if err == nil {
			err = json.Unmarshal(b, &e)
		}
		if err != nil {
			return 0, 0, fmt.Errorf("%s, from an earlier version, cannot be read: %w; move it aside to start without it", name, err)
		}
		mails = append(mails, e)
	}
	if len(old.Requests) == 0 && len(mails) == 0 {
		return 0, 0, nil
	}

	ids := make([]string, 0, len(old.Requests))
	for id := range old.Requests {
		ids = append(ids, id)
	}
	// Oldest first, so that the change log hands them over in order.
	slices.SortFunc(ids, func(a, b string) int { return old.Requests[a].CreatedAt.Compare(old.Requests[b].CreatedAt) })
	err = s.write(func(tx *bolt.Tx) error {
		for _, id := range ids {
			if err := importRequest(tx, old.Requests[id], s.now()); err != nil {
				return err
			}
		}
		for _, e := range mails {
			b := tx.Bucket(bucketOutbox)
			seq, err := b.NextSequence()
			if err != nil {
				return err
			}
			v, err := json.Marshal(Email{MessageID: e.MessageID, At: e.At, From: e.From, To: e.To})
			if err != nil {
				return err
			}
			if err := b.Put(be64(seq), v); err != nil {
				return err
			}
			if err := tx.Bucket(bucketRaw).Put(be64(seq), e.Raw); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	s.signal()
	for _, p := range []string{storeDir, outboxDir} {
		if err := os.Rename(p, p+".imported"); err != nil && !errors.Is(err, os.ErrNotExist) {
			return 0, 0, err
		}
	}
	return len(ids), len(mails), nil
}

func importRequest(tx *bolt.Tx, r appointment.Request, now time.Time) error {
	if tx.Bucket(bucketRequests).Get([]byte(r.ID)) != nil {
		return nil
	}
	deliveries := r.Deliveries
	r.Deliveries = nil
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if err := storeRequest(tx, r, v); err != nil {
		return err
	}
	settled := true
	for _, kind := range []appointment.EmailKind{appointment.EmailPatient, appointment.EmailFrontDesk} {
		d := deliveries[kind]
		if d.State != appointment.DeliverySent && d.State != appointment.DeliveryFailed {
			settled = false
		}
		// A lease of the earlier server, with run 0, is taken over at once.
		if err := putDelivery(tx, r.ID, kind, delivery{Delivery: d}); err != nil {
			return err
		}
	}
	if settled {
		return nil
	}
	return recordChange(tx, changeRecord{Event: appointment.ChangeCreated, At: now, After: &r})
}
