package localstore

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"example.com/appointments/internal/appointment"
)

// ErrCursor means a page cursor is not one this store gave out.
var ErrCursor = errors.New("not a page cursor")

// Entry is one stored request as a listing shows it. A request that cannot
// be read has only Key and Err set.
type Entry struct {
	Key     string
	Request appointment.Request
	Err     error
}

// Requests returns up to n requests, newest first, starting after the
// cursor after ("" for the newest), and the cursor of the next page, ""
// at the end. It reads the index of when requests were received, so a
// page costs the same however many requests are stored.
func (s *Store) Requests(_ context.Context, after string, n int) ([]Entry, string, error) {
	from, err := base64.RawURLEncoding.DecodeString(after)
	if err != nil {
		return nil, "", ErrCursor
	}
	var out []Entry
	var next string
	err = s.read(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketCreated).Cursor()
		k, id := c.Last()
		if len(from) > 0 {
			k, id = c.Seek(from)
			if k == nil {
				k, id = c.Last()
			}
			if bytes.Compare(k, from) >= 0 {
				k, id = c.Prev()
			}
		}
		var lastKey []byte
		for ; k != nil; k, id = c.Prev() {
			if len(out) == n {
				next = base64.RawURLEncoding.EncodeToString(lastKey)
				return nil
			}
			e := Entry{Key: string(id)}
			r, ok, err := getRequest(tx, string(id))
			switch {
			case err != nil:
				e.Err = err
			case !ok:
				e.Err = fmt.Errorf("the index names request %q, which is missing", id)
			default:
				e.Request = r
			}
			out = append(out, e)
			lastKey = k
		}
		return nil
	})
	return out, next, err
}
