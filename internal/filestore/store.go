// Package filestore is the embedded store of the local development server:
// the RequestsTable's behaviour kept in one JSON file in a local folder, so
// that `make run` needs nothing but Go and keeps its data across restarts.
//
// It keeps the same contract as the DynamoDB adapter (internal/storetest
// runs against both): the same repeat windows and claims, the same email
// leases, the same conditions. Every change is applied to a copy of the
// data, written to disk, and only then made current, under one lock, which
// is what DynamoDB's conditional writes guarantee item by item.
//
// Like the table's stream, the store records each change to a request, and
// Read hands those records out in the form Lambda delivers them, so the
// real notify handler can consume them.
package filestore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/dynamo"
)

// The same windows as the DynamoDB adapter.
const (
	idempotencyWindow = dynamo.IdempotencyWindow
	dedupeWindow      = dynamo.DedupeWindow
	// streamRetention is how long change records are kept, as DynamoDB
	// Streams keeps them.
	streamRetention = 24 * time.Hour
)

// Store is the embedded store.
type Store struct {
	path      string
	retention time.Duration
	now       func() time.Time

	mu      sync.Mutex
	data    *state
	cursor  int64 // the sequence number Read has handed out up to
	changed chan struct{}
}

// state is everything the store keeps, as written to disk.
type state struct {
	Requests map[string]appointment.Request `json:"requests"`
	Claims   map[string]claim               `json:"claims"`
	Counters map[string]counter             `json:"counters"`
	Stream   []change                       `json:"stream"`
	NextSeq  int64                          `json:"nextSeq"`
}

// claim is an idempotency-key or fingerprint record.
type claim struct {
	RequestID   string    `json:"requestId"`
	Reference   string    `json:"reference"`
	Fingerprint string    `json:"fingerprint"`
	ExpiresAt   time.Time `json:"expiresAt"`
}

// counter is a rate-limit count for one window.
type counter struct {
	Count     int       `json:"count"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// UnmarshalJSON also reads a bare number, the form earlier versions wrote,
// so that an existing data folder still opens.
func (c *counter) UnmarshalJSON(b []byte) error {
	if n, err := strconv.Atoi(string(b)); err == nil {
		*c = counter{Count: n}
		return nil
	}
	type plain counter
	return json.Unmarshal(b, (*plain)(c))
}

// change is one record of the store's stream: a request as it was after a
// change.
type change struct {
	Seq     int64               `json:"seq"`
	Event   string              `json:"event"` // INSERT or MODIFY
	At      time.Time           `json:"at"`
	Request appointment.Request `json:"request"`
}

// Open opens the store kept in dir, creating it if needed.
func Open(dir string, retentionDays int) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create store folder: %w", err)
	}
	s := &Store{
		path:      filepath.Join(dir, "requests.json"),
		retention: time.Duration(retentionDays) * 24 * time.Hour,
		now:       time.Now,
		changed:   make(chan struct{}, 1),
	}
	b, err := os.ReadFile(s.path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		s.data = &state{}
	case err != nil:
		return nil, fmt.Errorf("read store: %w", err)
	default:
		s.data = &state{}
		if err := json.Unmarshal(b, s.data); err != nil {
			return nil, fmt.Errorf("read store %s: %w", s.path, err)
		}
	}
	s.data.init()
	return s, nil
}

func (st *state) init() {
	if st.Requests == nil {
		st.Requests = map[string]appointment.Request{}
	}
	if st.Claims == nil {
		st.Claims = map[string]claim{}
	}
	if st.Counters == nil {
		st.Counters = map[string]counter{}
	}
}

// SetClock makes the store read the time from now.
func (s *Store) SetClock(now func() time.Time) { s.now = now }

// Changed is signalled, without blocking, whenever a change record is added.
func (s *Store) Changed() <-chan struct{} { return s.changed }

// update applies fn to a copy of the data, writes the copy to disk and
// makes it current. When fn or the write fails, nothing changes.
func (s *Store) update(fn func(st *state) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := json.Marshal(s.data)
	if err != nil {
		return err
	}
	next := &state{}
	if err := json.Unmarshal(b, next); err != nil {
		return err
	}
	next.init()
	if err := fn(next); err != nil {
		return err
	}
	if err := s.write(next); err != nil {
		return fmt.Errorf("%w: %w", appointment.ErrUnavailable, err)
	}
	grew := next.NextSeq != s.data.NextSeq
	s.data = next
	if grew {
		select {
		case s.changed <- struct{}{}:
		default:
		}
	}
	return nil
}

// write replaces the file atomically, so a crash leaves the old or the new
// data, never half of either.
func (s *Store) write(st *state) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp := s.path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, s.path)
}

// record adds a change record for r and drops records past retention.
func (st *state) record(event string, r appointment.Request, now time.Time) {
	st.NextSeq++
	st.Stream = append(st.Stream, change{Seq: st.NextSeq, Event: event, At: now, Request: r})
	st.Stream = slices.DeleteFunc(st.Stream, func(c change) bool { return now.Sub(c.At) > streamRetention })
}

// Create stores r unless it repeats a request still remembered, with the
// same rules as the DynamoDB adapter.
func (s *Store) Create(_ context.Context, r appointment.Request, d appointment.Dedupe) (appointment.Receipt, error) {
	now := s.now()
	var receipt appointment.Receipt
	err := s.update(func(st *state) error {
		live := func(key string) (claim, bool) {
			c, ok := st.Claims[key]
			return c, ok && !c.ExpiresAt.Before(now) && c.RequestID != r.ID
		}
		mine := claim{RequestID: r.ID, Reference: r.Reference, Fingerprint: d.Fingerprint}
		keyClaim := ""
		if d.IdempotencyKey != "" {
			keyClaim = "IDEM#" + hash(d.IdempotencyKey)
			if c, ok := live(keyClaim); ok {
				if c.Fingerprint != d.Fingerprint {
					return appointment.ErrIdempotencyKeyReused
				}
				receipt = appointment.Receipt{ID: c.RequestID, Reference: c.Reference, Replayed: true}
				return nil
			}
			mine.ExpiresAt = now.Add(idempotencyWindow)
			st.Claims[keyClaim] = mine
		}
		bodyClaim := "DEDUPE#" + d.Fingerprint
		if c, ok := live(bodyClaim); ok {
			if keyClaim != "" {
				// The key now stands for the earlier request too.
				c.ExpiresAt = now.Add(idempotencyWindow)
				st.Claims[keyClaim] = c
			}
			receipt = appointment.Receipt{ID: c.RequestID, Reference: c.Reference, Replayed: true}
			return nil
		}
		mine.ExpiresAt = now.Add(dedupeWindow)
		st.Claims[bodyClaim] = mine
		if _, exists := st.Requests[r.ID]; !exists {
			st.Requests[r.ID] = r
			st.record("INSERT", r, now)
		}
		receipt = appointment.Receipt{ID: r.ID, Reference: r.Reference}
		return nil
	})
	return receipt, err
}

func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// Count adds delta to a counter for one window and returns its new value.
// Counters of windows that ended a window ago are dropped, as DynamoDB's
// time to live drops them.
func (s *Store) Count(_ context.Context, name string, windowStart time.Time, window time.Duration, delta int) (int, error) {
	key := name + "#" + strconv.FormatInt(windowStart.Unix(), 10)
	now := s.now()
	var n int
	err := s.update(func(st *state) error {
		for k, c := range st.Counters {
			if !c.ExpiresAt.IsZero() && c.ExpiresAt.Before(now) {
				delete(st.Counters, k)
			}
		}
		c := st.Counters[key]
		c.Count += delta
		c.ExpiresAt = windowStart.Add(2 * window)
		st.Counters[key] = c
		n = c.Count
		return nil
	})
	return n, err
}

// Replay returns the receipt of the earlier request d identifies, with the
// same rules as the DynamoDB adapter, without claiming anything.
func (s *Store) Replay(_ context.Context, _ appointment.Request, d appointment.Dedupe) (appointment.Receipt, bool, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	key := "DEDUPE#" + d.Fingerprint
	if d.IdempotencyKey != "" {
		key = "IDEM#" + hash(d.IdempotencyKey)
	}
	c, ok := s.data.Claims[key]
	if !ok || c.ExpiresAt.Before(now) {
		return appointment.Receipt{}, false, nil
	}
	if c.Fingerprint != d.Fingerprint {
		if d.IdempotencyKey != "" {
			return appointment.Receipt{}, false, appointment.ErrIdempotencyKeyReused
		}
		return appointment.Receipt{}, false, nil
	}
	// Every claim here is written together with its request, so a claim
	// always names a stored request.
	return appointment.Receipt{ID: c.RequestID, Reference: c.Reference, Replayed: true}, true, nil
}

// Get returns the request with the given ID.
func (s *Store) Get(_ context.Context, id string) (appointment.Request, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.data.Requests[id]
	if !ok {
		return appointment.Request{}, appointment.ErrNotFound
	}
	return r, nil
}

// List returns requests with the given status, oldest first.
func (s *Store) List(_ context.Context, status appointment.Status, limit int) ([]appointment.Request, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []appointment.Request
	for _, r := range s.data.Requests {
		if r.Status == status {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// ClaimEmail takes a lease on sending one email of a request.
func (s *Store) ClaimEmail(_ context.Context, id string, kind appointment.EmailKind, lease string, until, now time.Time) (bool, appointment.Delivery, error) {
	var claimed bool
	var current appointment.Delivery
	err := s.update(func(st *state) error {
		r, ok := st.Requests[id]
		if !ok {
			return nil
		}
		current = r.Deliveries[kind]
		if !current.Claimable(now) {
			return nil
		}
		claimed = true
		current = appointment.Delivery{State: appointment.DeliverySending, Lease: lease, LeaseUntil: until}
		st.setDelivery(r, kind, current, now)
		return nil
	})
	return claimed, current, err
}

func (st *state) setDelivery(r appointment.Request, kind appointment.EmailKind, d appointment.Delivery, now time.Time) {
	deliveries := make(map[appointment.EmailKind]appointment.Delivery, len(r.Deliveries)+1)
	for k, v := range r.Deliveries {
		deliveries[k] = v
	}
	if d.State == "" {
		delete(deliveries, kind)
	} else {
		deliveries[kind] = d
	}
	r.Deliveries = deliveries
	st.Requests[r.ID] = r
	st.record("MODIFY", r, now)
}

// settle replaces a held lease with d.
func (s *Store) settle(id string, kind appointment.EmailKind, lease string, d appointment.Delivery) error {
	return s.update(func(st *state) error {
		r, ok := st.Requests[id]
		cur := r.Deliveries[kind]
		if !ok || cur.State != appointment.DeliverySending || cur.Lease != lease {
			return appointment.ErrLeaseLost
		}
		st.setDelivery(r, kind, d, s.now())
		return nil
	})
}

// MarkEmailSent records that the email went out.
func (s *Store) MarkEmailSent(_ context.Context, id string, kind appointment.EmailKind, lease, messageID string, at time.Time) error {
	return s.settle(id, kind, lease, appointment.Delivery{State: appointment.DeliverySent, MessageID: messageID, At: at.UTC()})
}

// MarkEmailFailed records that the email was refused for good.
func (s *Store) MarkEmailFailed(_ context.Context, id string, kind appointment.EmailKind, lease, reason string, at time.Time) error {
	return s.settle(id, kind, lease, appointment.Delivery{State: appointment.DeliveryFailed, Reason: reason, At: at.UTC()})
}

// ReleaseEmail gives up a lease on an email that was not sent.
func (s *Store) ReleaseEmail(_ context.Context, id string, kind appointment.EmailKind, lease string) error {
	return s.settle(id, kind, lease, appointment.Delivery{})
}

// Delivery returns the recorded state of one email.
func (s *Store) Delivery(ctx context.Context, id string, kind appointment.EmailKind) (appointment.Delivery, error) {
	r, err := s.Get(ctx, id)
	if errors.Is(err, appointment.ErrNotFound) {
		return appointment.Delivery{}, nil
	}
	return r.Deliveries[kind], err
}

// Read returns the change records added since the last call, as Lambda
// delivers DynamoDB stream records. After the store is opened, the first
// call starts from the oldest record kept, like a new event source mapping
// at the stream's trim horizon.
func (s *Store) Read(_ context.Context) ([]events.DynamoDBEventRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []events.DynamoDBEventRecord
	for _, c := range s.data.Stream {
		if c.Seq <= s.cursor {
			continue
		}
		s.cursor = c.Seq
		image := dynamo.RequestImage(c.Request, c.Request.CreatedAt.Add(s.retention))
		out = append(out, events.DynamoDBEventRecord{
			EventID:      fmt.Sprintf("local-%d", c.Seq),
			EventName:    c.Event,
			EventSource:  "aws:dynamodb",
			EventVersion: "1.1",
			AWSRegion:    "local",
			Change: events.DynamoDBStreamRecord{
				ApproximateCreationDateTime: events.SecondsEpochTime{Time: c.At},
				Keys:                        map[string]events.DynamoDBAttributeValue{"pk": image["pk"], "sk": image["sk"]},
				NewImage:                    image,
				SequenceNumber:              strconv.FormatInt(c.Seq, 10),
				StreamViewType:              "NEW_AND_OLD_IMAGES",
			},
		})
	}
	return out, nil
}
