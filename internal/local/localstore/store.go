// Package localstore is the embedded store of the local development server:
// the RequestsTable's behaviour, its stream and the outbox that stands in
// for SES, kept in one bbolt database file in a local folder, so that
// `make run` needs nothing but Go and keeps its data across restarts.
//
// It keeps the same contract as the DynamoDB adapter (internal/testing/storetest
// runs against both): the same repeat windows and claims, the same email
// leases, the same conditions. bbolt gives each write a serializable
// transaction, which is what DynamoDB's conditional writes guarantee item
// by item, and writes from concurrent requests are batched into shared,
// durable commits: a request the server accepted survives the process being
// killed. Every write touches a bounded number of pages, so a write costs
// the same with twenty thousand requests stored as with none.
//
// Like the table's stream, the store records each change to a request
// (but for the notify handler's own records of its emails), in the same
// transaction as the change, in a change log with the position its
// one consumer has reached; a restart resumes there instead of replaying,
// and what the consumer finished with is dropped.
//
// The database is locked while a process holds it open, so a second server
// on the same folder stops at once instead of losing the first one's work.
package localstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"example.com/appointments/internal/appointment"
)

// The repeat windows, as the DynamoDB adapter keeps them.
const (
	idempotencyWindow = appointment.IdempotencyWindow
	dedupeWindow      = appointment.DedupeWindow
)

// FileName is the database's name in the data folder.
const FileName = "appointments.db"

// The database's buckets.
var (
	// requests holds each request as JSON, by ID.
	bucketRequests = []byte("requests")
	// created indexes the requests by when they were received: the key is
	// the time in nanoseconds, big-endian, then the ID.
	bucketCreated = []byte("created")
	// status indexes the requests by status: status, a zero byte, then the
	// created key.
	bucketStatus = []byte("status")
	// claims holds idempotency-key and fingerprint claims, and the decoys
	// answered to submissions caught by the honeypot, by claim key.
	bucketClaims = []byte("claims")
	// expiry indexes claims by when they run out: the time, big-endian,
	// then the claim key, so that expired ones are dropped oldest first.
	bucketExpiry = []byte("expiry")
	// changes is the change log: each change to a request, by sequence
	// number, big-endian.
	bucketChanges = []byte("changes")
	// outbox holds every email sent, by sequence number, big-endian: its
	// envelope as JSON here, and the message as sent in raw.
	bucketOutbox = []byte("outbox")
	bucketRaw    = []byte("raw")
	// sent maps each email's delivery key to its outbox entry.
	bucketSent = []byte("sent")
	// deliveries holds the state of each email of a request, by the
	// request's ID, a slash and the email's kind, apart from the request so
	// that recording a step of a delivery rewrites a few bytes only.
	bucketDeliveries = []byte("deliveries")
	// meta holds the consumer's position and the number of the current run.
	bucketMeta = []byte("meta")
	// bucketSuppressions holds the suppressed addresses, by
	// appointment.SuppressionKey.
	bucketSuppressions = []byte("suppressions")
)

var allBuckets = [][]byte{bucketRequests, bucketCreated, bucketStatus, bucketClaims, bucketExpiry, bucketChanges, bucketOutbox, bucketRaw, bucketSent, bucketDeliveries, bucketMeta, bucketSuppressions}

var (
	keyPosition = []byte("position")
	keyRun      = []byte("run")
)

// purgePerWrite bounds the expired entries one write drops, so that no
// write pays for a backlog; each write drops more than it adds.
const purgePerWrite = 8

// ErrLocked means another process holds the database open.
var ErrLocked = errors.New("the database is in use by another process")

// ErrDamaged means the database file cannot be read.
var ErrDamaged = errors.New("the database is damaged")

// Store is the embedded store.
type Store struct {
	db   *bolt.DB
	path string
	now  func() time.Time

	counters counters

	// run numbers each opening of the database. Only one process holds it
	// open at a time, so a lease taken in an earlier run belongs to a
	// sender that is gone.
	run uint64

	changed chan struct{}

	ops     chan *writeOp
	closed  chan struct{}
	stopped chan struct{}
	once    sync.Once
}

// lockWait is how long Open waits for another process to let go of the
// database before saying it is in use.
const lockWait = 300 * time.Millisecond

// Open opens the store kept in dir, creating it if needed. A database that
// another process holds open gives an error wrapping ErrLocked; one that
// cannot be read gives an error wrapping ErrDamaged. Both name the file.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create the data folder %s: %w", dir, err)
	}
	path := filepath.Join(dir, FileName)
	db, err := openBolt(path)
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return nil, fmt.Errorf("%s: %w", path, ErrLocked)
	case err != nil:
		return nil, fmt.Errorf("%s: %w: %w", path, ErrDamaged, err)
	}
	s := &Store{db: db, path: path, now: time.Now, changed: make(chan struct{}, 1),
		ops: make(chan *writeOp), closed: make(chan struct{}), stopped: make(chan struct{})}
	if err := s.check(); err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: %w: %w", path, ErrDamaged, err)
	}
	go s.commit()
	return s, nil
}

// openBolt opens the database file. bbolt panics on some damage, and that
// is an error here like any other; damage that would crash the process
// instead, from where no panic can be recovered, is found before bbolt
// opens the file for writing (checkFile).
func openBolt(path string) (db *bolt.DB, err error) {
	defer func() {
		if p := recover(); p != nil {
			db, err = nil, fmt.Errorf("%v", p)
		}
	}()
	if err := checkFile(path); err != nil {
		return nil, err
	}
	// The list of free pages is not written with each commit: it grows
	// with the pages the change log frees, and writing it every time made
	// commits slower the more had been stored. bbolt rebuilds it when it
	// opens the file, which takes a fraction of a second at twenty
	// thousand requests (make bench-local).
	return bolt.Open(path, 0o600, &bolt.Options{Timeout: lockWait, FreelistType: bolt.FreelistMapType, NoFreelistSync: true})
}

// check creates the buckets of a new database and reads an existing one's
// position, which reaches its pages: damage that bbolt notices there is
// refused now rather than on a patient's request later.
func (s *Store) check() (err error) {
	defer func() {
		// bbolt panics on pages it cannot make sense of.
		if p := recover(); p != nil {
			err = fmt.Errorf("%v", p)
		}
	}()
	return s.db.Update(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		if _, err := position(tx); err != nil {
			return err
		}
		meta := tx.Bucket(bucketMeta)
		var run uint64
		if v := meta.Get(keyRun); len(v) == 8 {
			run = binary.BigEndian.Uint64(v)
		}
		s.run = run + 1
		return meta.Put(keyRun, be64(s.run))
	})
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Close finishes the commit under way, closes the database and lets
// another process open it. Writes after Close fail with ErrUnavailable.
func (s *Store) Close() error {
	var err error
	s.once.Do(func() {
		close(s.closed)
		<-s.stopped
		err = s.db.Close()
	})
	return err
}

// SetClock makes the store read the time from now.
func (s *Store) SetClock(now func() time.Time) { s.now = now }

// Changed is signalled, without blocking, whenever a change is recorded.
func (s *Store) Changed() <-chan struct{} { return s.changed }

func (s *Store) signal() {
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

// write runs fn in a transaction shared with concurrent writers (group
// commit): while one commit is being written, the writes that arrive wait
// and then go together in the next, so that many requests share one fsync
// and a lone request waits for nobody. fn may run more than once, so it
// must only set its results, never add to them. A failure to write is
// ErrUnavailable, as an outage of DynamoDB is.
func (s *Store) write(fn func(tx *bolt.Tx) error) error {
	op := &writeOp{fn: fn, done: make(chan error, 1)}
	select {
	case s.ops <- op:
	case <-s.closed:
		return fmt.Errorf("%w: the store is closed", appointment.ErrUnavailable)
	}
	err := <-op.done
	var outcome outcomeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &outcome):
		return outcome.err
	default:
		return fmt.Errorf("%w: %w", appointment.ErrUnavailable, err)
	}
}

// writeOp is one write waiting for a commit.
type writeOp struct {
	fn   func(tx *bolt.Tx) error
	done chan error
}

// maxGroup bounds the writes one commit carries.
const maxGroup = 256

// commit writes the queued operations, a group at a time, until the store
// is closed.
func (s *Store) commit() {
	defer close(s.stopped)
	for {
		var group []*writeOp
		select {
		case op := <-s.ops:
			group = append(group, op)
		case <-s.closed:
			return
		}
	gather:
		for len(group) < maxGroup {
			select {
			case op := <-s.ops:
				group = append(group, op)
			default:
				break gather
			}
		}
		s.commitGroup(group)
	}
}

// commitGroup writes a group in one transaction. When one operation fails,
// the transaction is rolled back, and what comes next depends on what the
// operation saw. The first of the group saw only what is committed, so it
// gets its error at once. A later one saw the uncommitted writes of those
// before it, and may have failed because of them, as the loser of two desk
// actions on one request is refused because of the winner's write: those
// before it are committed first, and then it runs again, first of what is
// left, so that its answer is about what is written. Answered earlier, a
// loser that reads the request again would find it as it was, and fail a
// second time against a write it cannot see.
func (s *Store) commitGroup(group []*writeOp) {
	for len(group) > 0 {
		n, err := s.commitPrefix(group)
		switch {
		case n == len(group):
			// The commit itself succeeded or failed for all.
			for _, op := range group {
				op.done <- err
			}
			return
		case n == 0:
			group[0].done <- err
			group = group[1:]
		default:
			// Those before the failed one, alone; it and the rest next.
			s.commitGroup(group[:n])
			group = group[n:]
		}
	}
}

// commitPrefix runs the group's operations in one transaction, in order,
// and commits them if all succeed. It returns how many succeeded: all of
// them, with the commit's error, or the number before the one that failed,
// with that one's error, having rolled back.
func (s *Store) commitPrefix(group []*writeOp) (int, error) {
	n := len(group)
	var failure error
	err := s.db.Update(func(tx *bolt.Tx) error {
		for i, op := range group {
			if err := safely(op.fn, tx); err != nil {
				n, failure = i, err
				return err
			}
		}
		return nil
	})
	if n < len(group) {
		return n, failure
	}
	return n, err
}

// safely runs fn, turning a panic of bbolt's on a damaged page into an
// error.
func safely(fn func(*bolt.Tx) error, tx *bolt.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %v", ErrDamaged, p)
		}
	}()
	return fn(tx)
}

// outcomeError carries an answer, such as a lost lease, out of a
// transaction that wrote nothing, so that write can tell it from a failure.
type outcomeError struct{ err error }

func (e outcomeError) Error() string { return e.err.Error() }

// read runs fn in a read-only transaction. A page that cannot be read is
// ErrDamaged rather than a crash.
func (s *Store) read(fn func(tx *bolt.Tx) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: %w: %v", s.path, ErrDamaged, p)
		}
	}()
	return s.db.View(fn)
}

// claim is an idempotency-key or fingerprint record.
type claim struct {
	RequestID   string    `json:"requestId"`
	Reference   string    `json:"reference"`
	Fingerprint string    `json:"fingerprint"`
	ExpiresAt   time.Time `json:"expiresAt"`
}

func be64(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

func timeKey(t time.Time) []byte { return be64(uint64(t.UnixNano())) }

func createdKey(r appointment.Request) []byte { return append(timeKey(r.CreatedAt), r.ID...) }

func statusKey(status appointment.Status, created []byte) []byte {
	k := append([]byte(status), 0)
	return append(k, created...)
}

func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func getClaim(tx *bolt.Tx, key string) (claim, bool, error) {
	b := tx.Bucket(bucketClaims).Get([]byte(key))
	if b == nil {
		return claim{}, false, nil
	}
	var c claim
	if err := json.Unmarshal(b, &c); err != nil {
		return claim{}, false, fmt.Errorf("claim %s: %w", key, err)
	}
	return c, true, nil
}

func putClaim(tx *bolt.Tx, key string, c claim) error {
	if old, ok, err := getClaim(tx, key); err == nil && ok {
		_ = tx.Bucket(bucketExpiry).Delete(append(timeKey(old.ExpiresAt), key...))
	}
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	if err := tx.Bucket(bucketClaims).Put([]byte(key), b); err != nil {
		return err
	}
	return tx.Bucket(bucketExpiry).Put(append(timeKey(c.ExpiresAt), key...), nil)
}

// purgeClaims drops a few claims that ran out before now.
func purgeClaims(tx *bolt.Tx, now time.Time) error {
	exp := tx.Bucket(bucketExpiry)
	claims := tx.Bucket(bucketClaims)
	limit := timeKey(now)
	c := exp.Cursor()
	for i, k := 0, first(c); i < purgePerWrite && k != nil && bytes.Compare(k[:8], limit) < 0; i, k = i+1, first(c) {
		if err := claims.Delete(k[8:]); err != nil {
			return err
		}
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}

func first(c *bolt.Cursor) []byte {
	k, _ := c.First()
	return k
}

// getRequest reads the request with the given ID, with the state of its
// emails; ok is false when there is none.
func getRequest(tx *bolt.Tx, id string) (appointment.Request, bool, error) {
	b := tx.Bucket(bucketRequests).Get([]byte(id))
	if b == nil {
		return appointment.Request{}, false, nil
	}
	var r appointment.Request
	if err := json.Unmarshal(b, &r); err != nil {
		return appointment.Request{}, false, fmt.Errorf("request %s: %w", id, err)
	}
	prefix := []byte(id + "/")
	c := tx.Bucket(bucketDeliveries).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var d delivery
		if err := json.Unmarshal(v, &d); err != nil {
			return appointment.Request{}, false, fmt.Errorf("request %s: email %s: %w", id, k[len(prefix):], err)
		}
		if r.Deliveries == nil {
			r.Deliveries = map[appointment.EmailKind]appointment.Delivery{}
		}
		r.Deliveries[appointment.EmailKind(k[len(prefix):])] = d.Delivery
	}
	return r, true, nil
}

// delivery is the stored state of one email, with the run of the store
// in which its lease, if any, was taken.
type delivery struct {
	appointment.Delivery
	Run uint64 `json:"run,omitempty"`
}

func deliveryKey(id string, kind appointment.EmailKind) []byte {
	return []byte(id + "/" + string(kind))
}

func getDelivery(tx *bolt.Tx, id string, kind appointment.EmailKind) (delivery, error) {
	var d delivery
	v := tx.Bucket(bucketDeliveries).Get(deliveryKey(id, kind))
	if v == nil {
		return d, nil
	}
	err := json.Unmarshal(v, &d)
	return d, err
}

// putDelivery records the state of one email. The change is not logged:
// the table's stream reports it, and the notify handler passes over it, as
// nothing but the handler's own bookkeeping changed; leaving it out spares
// the log a record for each step of each email.
func putDelivery(tx *bolt.Tx, id string, kind appointment.EmailKind, d delivery) error {
	if d.State == "" {
		return tx.Bucket(bucketDeliveries).Delete(deliveryKey(id, kind))
	}
	v, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketDeliveries).Put(deliveryKey(id, kind), v)
}

// putRequest stores a new request, encoded as v, keeps the indexes and
// records the change in the change log.
func putRequest(tx *bolt.Tx, r appointment.Request, v []byte, now time.Time) error {
	if err := storeRequest(tx, r, v); err != nil {
		return err
	}
	return recordChange(tx, changeRecord{Event: appointment.ChangeCreated, At: now, After: &r})
}

// storeRequest stores a new request, encoded as v, and keeps the indexes.
func storeRequest(tx *bolt.Tx, r appointment.Request, v []byte) error {
	if err := tx.Bucket(bucketRequests).Put([]byte(r.ID), v); err != nil {
		return err
	}
	created := createdKey(r)
	if err := tx.Bucket(bucketCreated).Put(created, []byte(r.ID)); err != nil {
		return err
	}
	return tx.Bucket(bucketStatus).Put(statusKey(r.Status, created), []byte(r.ID))
}

// Create stores r unless it repeats a request still remembered, with the
// same rules as the DynamoDB adapter.
func (s *Store) Create(_ context.Context, r appointment.Request, d appointment.Dedupe) (appointment.Receipt, error) {
	now := s.now()
	// Encoded before the commit, so that concurrent writers do not wait
	// on it; the state of its emails is kept apart.
	r.Deliveries = nil
	v, err := json.Marshal(r)
	if err != nil {
		return appointment.Receipt{}, err
	}
	var receipt appointment.Receipt
	var created bool
	err = s.write(func(tx *bolt.Tx) error {
		created = false
		if err := purgeClaims(tx, now); err != nil {
			return err
		}
		live := func(key string) (claim, bool, error) {
			c, ok, err := getClaim(tx, key)
			return c, ok && !c.ExpiresAt.Before(now) && c.RequestID != r.ID, err
		}
		mine := claim{RequestID: r.ID, Reference: r.Reference, Fingerprint: d.Fingerprint}
		keyClaim := ""
		if d.IdempotencyKey != "" {
			keyClaim = "IDEM#" + hash(d.IdempotencyKey)
			c, ok, err := live(keyClaim)
			if err != nil {
				return err
			}
			if ok {
				if c.Fingerprint != d.Fingerprint {
					return outcomeError{appointment.ErrIdempotencyKeyReused}
				}
				receipt = appointment.Receipt{ID: c.RequestID, Reference: c.Reference, Replayed: true}
				return nil
			}
			mine.ExpiresAt = now.Add(idempotencyWindow)
			if err := putClaim(tx, keyClaim, mine); err != nil {
				return err
			}
		}
		bodyClaim := "DEDUPE#" + d.Fingerprint
		c, ok, err := live(bodyClaim)
		if err != nil {
			return err
		}
		if ok {
			if keyClaim != "" {
				// The key now stands for the earlier request too.
				c.ExpiresAt = now.Add(idempotencyWindow)
				if err := putClaim(tx, keyClaim, c); err != nil {
					return err
				}
			}
			receipt = appointment.Receipt{ID: c.RequestID, Reference: c.Reference, Replayed: true}
			return nil
		}
		mine.ExpiresAt = now.Add(dedupeWindow)
		if err := putClaim(tx, bodyClaim, mine); err != nil {
			return err
		}
		receipt = appointment.Receipt{ID: r.ID, Reference: r.Reference}
		if tx.Bucket(bucketRequests).Get([]byte(r.ID)) != nil {
			return nil
		}
		created = true
		return putRequest(tx, r, v, now)
	})
	if created && err == nil {
		s.signal()
	}
	return receipt, err
}

// Replay returns the receipt of the earlier request d identifies, with the
// same rules as the DynamoDB adapter, without claiming anything.
func (s *Store) Replay(_ context.Context, _ appointment.Request, d appointment.Dedupe) (appointment.Receipt, bool, error) {
	now := s.now()
	key := "DEDUPE#" + d.Fingerprint
	if d.IdempotencyKey != "" {
		key = "IDEM#" + hash(d.IdempotencyKey)
	}
	var c claim
	var ok bool
	err := s.read(func(tx *bolt.Tx) error {
		var err error
		c, ok, err = getClaim(tx, key)
		return err
	})
	if err != nil || !ok || c.ExpiresAt.Before(now) {
		return appointment.Receipt{}, false, err
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
	var r appointment.Request
	var ok bool
	err := s.read(func(tx *bolt.Tx) error {
		var err error
		r, ok, err = getRequest(tx, id)
		return err
	})
	if err == nil && !ok {
		err = appointment.ErrNotFound
	}
	return r, err
}

// List returns requests with the given status, oldest first, reading the
// status index as the DynamoDB adapter reads ByStatus.
func (s *Store) List(_ context.Context, status appointment.Status, limit int) ([]appointment.Request, error) {
	var out []appointment.Request
	err := s.read(func(tx *bolt.Tx) error {
		prefix := statusKey(status, nil)
		c := tx.Bucket(bucketStatus).Cursor()
		for k, id := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && len(out) < limit; k, id = c.Next() {
			r, ok, err := getRequest(tx, string(id))
			if err != nil {
				return err
			}
			if ok {
				out = append(out, r)
			}
		}
		return nil
	})
	return out, err
}

// Upcoming returns the scheduled requests whose appointments start from
// from until to, both included, soonest first, at most limit of them, as
// the DynamoDB adapter reads ByAppointment. The local store reads the
// status index and sorts what it finds: a developer's machine holds few
// bookings.
func (s *Store) Upcoming(ctx context.Context, from, to time.Time, limit int) ([]appointment.Request, error) {
	scheduled, err := s.List(ctx, appointment.StatusScheduled, math.MaxInt)
	if err != nil {
		return nil, err
	}
	var out []appointment.Request
	for _, r := range scheduled {
		if b := r.Booking; b != nil && !b.Start.Before(from) && !b.Start.After(to) {
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b appointment.Request) int { return a.Booking.Start.Compare(b.Booking.Start) })
	return out[:min(len(out), limit)], nil
}

// ClaimEmail takes a lease on sending one email of a request. Besides the
// leases that ran out, a lease taken before the store was last opened can
// be taken over: the process that held it has stopped, since no two
// processes open the database at once, so after a crash or a kill the
// restarted server sends at once rather than waiting the lease out.
func (s *Store) ClaimEmail(_ context.Context, id string, kind appointment.EmailKind, lease string, until, now time.Time) (bool, appointment.Delivery, error) {
	var claimed bool
	var current appointment.Delivery
	err := s.write(func(tx *bolt.Tx) error {
		claimed, current = false, appointment.Delivery{}
		r, ok, err := getRequest(tx, id)
		if err != nil || !ok {
			return err
		}
		if n, latestOnly := kind.LatestOnly(); latestOnly && len(r.History) != n {
			// A reminder of a booking changed since is not to go.
			return nil
		}
		d, err := getDelivery(tx, id, kind)
		if err != nil {
			return err
		}
		current = d.Delivery
		orphaned := current.State == appointment.DeliverySending && d.Run != s.run
		if !current.Claimable(now) && !orphaned {
			return nil
		}
		claimed = true
		current = appointment.Delivery{State: appointment.DeliverySending, Lease: lease, LeaseUntil: until}
		return putDelivery(tx, id, kind, delivery{Delivery: current, Run: s.run})
	})
	return claimed, current, err
}

// settle replaces a held lease with d.
func (s *Store) settle(id string, kind appointment.EmailKind, lease string, d appointment.Delivery) error {
	return s.write(func(tx *bolt.Tx) error {
		cur, err := getDelivery(tx, id, kind)
		if err != nil {
			return err
		}
		if cur.State != appointment.DeliverySending || cur.Lease != lease {
			return outcomeError{appointment.ErrLeaseLost}
		}
		return putDelivery(tx, id, kind, delivery{Delivery: d})
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
func (s *Store) Delivery(_ context.Context, id string, kind appointment.EmailKind) (appointment.Delivery, error) {
	var d delivery
	err := s.read(func(tx *bolt.Tx) error {
		var err error
		d, err = getDelivery(tx, id, kind)
		return err
	})
	return d.Delivery, err
}

// counters are the rate-limit counters. They live in memory: the local
// server draws a new hashing key each time it starts, so counts from an
// earlier run could never be matched again, and keeping them off the disk
// spares every request several commits.
type counters struct {
	mu     sync.Mutex
	counts map[string]counter
	swept  time.Time
}

type counter struct {
	n       int
	expires time.Time
}

// Count adds delta to a counter for one window and returns its new value.
// Counters of windows that ended a window ago are dropped, as DynamoDB's
// time to live drops them.
func (s *Store) Count(_ context.Context, name string, windowStart time.Time, window time.Duration, delta int) (int, error) {
	now := s.now()
	c := &s.counters
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counts == nil {
		c.counts = map[string]counter{}
	}
	// A sweep a minute keeps the map to the live windows.
	if now.Sub(c.swept) > time.Minute {
		for k, v := range c.counts {
			if v.expires.Before(now) {
				delete(c.counts, k)
			}
		}
		c.swept = now
	}
	key := fmt.Sprintf("%s#%d", name, windowStart.Unix())
	v := c.counts[key]
	v.n += delta
	v.expires = windowStart.Add(2 * window)
	c.counts[key] = v
	return v.n, nil
}

// Decoy remembers that the decoy named name was answered in the window of
// the given length that starts at windowStart, and reports whether it had
// been already. It is kept as a claim, written and synced to disk like a
// request's, and dropped when the window ends; unlike the counters it
// lasts across a restart, as a real request's claims do.
func (s *Store) Decoy(_ context.Context, name string, windowStart time.Time, window time.Duration) (bool, error) {
	now := s.now()
	key := fmt.Sprintf("DECOY#%s#%d", name, windowStart.Unix())
	var repeat bool
	err := s.write(func(tx *bolt.Tx) error {
		if err := purgeClaims(tx, now); err != nil {
			return err
		}
		c, ok, err := getClaim(tx, key)
		if err != nil {
			return err
		}
		repeat = ok && !c.ExpiresAt.Before(now)
		if repeat {
			return nil
		}
		return putClaim(tx, key, claim{ExpiresAt: windowStart.Add(window)})
	})
	return repeat, err
}

// Transition writes after over before, on the condition that the stored
// request is still as before left it: the same status and the same number
// of recorded changes, as the DynamoDB adapter's conditional write. The
// change is logged, so that the emails it calls for go out.
func (s *Store) Transition(_ context.Context, before, after appointment.Request) error {
	now := s.now()
	after.Deliveries = nil
	v, err := json.Marshal(after)
	if err != nil {
		return err
	}
	err = s.write(func(tx *bolt.Tx) error {
		cur, ok, err := getRequest(tx, before.ID)
		if err != nil {
			return err
		}
		if !ok {
			return outcomeError{appointment.ErrNotFound}
		}
		if cur.Status.Normal() != before.Status.Normal() || len(cur.History) != len(before.History) {
			return outcomeError{appointment.ErrConflict}
		}
		if err := tx.Bucket(bucketRequests).Put([]byte(after.ID), v); err != nil {
			return err
		}
		created := createdKey(cur)
		if err := tx.Bucket(bucketStatus).Delete(statusKey(cur.Status, created)); err != nil {
			return err
		}
		if err := tx.Bucket(bucketStatus).Put(statusKey(after.Status, created), []byte(after.ID)); err != nil {
			return err
		}
		withEmails := after
		withEmails.Deliveries = cur.Deliveries
		return recordChange(tx, changeRecord{Event: appointment.ChangeModified, At: now, Before: &cur, After: &withEmails})
	})
	if err == nil {
		s.signal()
	}
	return err
}

var (
	keyActionLinks  = []byte("actionLinkKey")
	keySuppressions = []byte("suppressionKey")
)

// ActionLinkKey returns the key the local server signs action links with,
// made at random the first time and kept in the database, so that the
// links in the outbox still work after a restart.
func (s *Store) ActionLinkKey() ([]byte, error) {
	return s.key(keyActionLinks)
}

// SuppressionKey returns the key suppressed addresses are hashed with
// (appointment.SuppressionKey), kept like ActionLinkKey's, so that a
// suppression outlives a restart.
func (s *Store) SuppressionKey() ([]byte, error) {
	return s.key(keySuppressions)
}

// key returns the named 32-byte key, made at random the first time.
func (s *Store) key(name []byte) ([]byte, error) {
	var key []byte
	err := s.write(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if v := meta.Get(name); len(v) == 32 {
			key = bytes.Clone(v)
			return nil
		}
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return err
		}
		return meta.Put(name, key)
	})
	return key, err
}
