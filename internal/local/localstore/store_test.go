package localstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/testing/storetest"
)

func open(t testing.TB, dir string) *Store {
	t.Helper()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T, clock func() time.Time) storetest.Store {
		s := open(t, t.TempDir())
		s.SetClock(clock)
		return s
	})
}

func create(t testing.TB, s *Store, reason string, at time.Time) appointment.Request {
	t.Helper()
	r := storetest.Request(reason, at)
	if _, err := s.Create(context.Background(), r, appointment.Dedupe{Fingerprint: r.Fingerprint()}); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestKeepsDataAndPositionAcrossRestarts: what one process stored, the next
// finds, with its claims, and its change log resumes after the position
// the first one reached rather than from the start.
func TestKeepsDataAndPositionAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	r := storetest.Request("x", time.Now())
	if _, err := s.Create(ctx, r, appointment.Dedupe{IdempotencyKey: "k", Fingerprint: r.Fingerprint()}); err != nil {
		t.Fatal(err)
	}
	if ok, _, err := s.ClaimEmail(ctx, r.ID, appointment.EmailPatient, "l", time.Now().Add(time.Minute), time.Now()); !ok || err != nil {
		t.Fatalf("claim = %v, %v", ok, err)
	}
	other := create(t, s, "y", time.Now())
	// The claim, the notify handler's own bookkeeping, is not logged.
	changes, err := s.Changes(ctx, 10)
	if err != nil || len(changes) != 2 || !changes[0].IsCreation() || !changes[1].IsCreation() || changes[1].After.ID != other.ID {
		t.Fatalf("changes = %+v, %v; want the two creations", changes, err)
	}
	if err := s.Consumed(ctx, changes[0].Seq); err != nil {
		t.Fatal(err)
	}
	s.Close()

	again := open(t, dir)
	got, err := again.Get(ctx, r.ID)
	if err != nil || got.Fingerprint() != r.Fingerprint() || got.Deliveries[appointment.EmailPatient].Lease != "l" {
		t.Fatalf("after reopening: %+v, %v", got, err)
	}
	dup := storetest.Request("x", time.Now())
	if receipt, err := again.Create(ctx, dup, appointment.Dedupe{IdempotencyKey: "k", Fingerprint: dup.Fingerprint()}); err != nil || !receipt.Replayed || receipt.ID != r.ID {
		t.Errorf("repeat after reopening = %+v, %v", receipt, err)
	}
	rest, err := again.Changes(ctx, 10)
	if err != nil || len(rest) != 1 || rest[0].Seq != changes[1].Seq {
		t.Fatalf("after reopening, changes = %+v, %v; want only the one not consumed", rest, err)
	}
	if p, _ := again.Position(ctx); p != changes[0].Seq {
		t.Errorf("position = %d, want %d", p, changes[0].Seq)
	}
	// The position never moves back.
	if err := again.Consumed(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if p, _ := again.Position(ctx); p != changes[0].Seq {
		t.Errorf("position moved back to %d", p)
	}
}

// TestConsumedChangesAreDropped: the log keeps only the changes its
// consumer has yet to finish, so it does not grow with every request.
func TestConsumedChangesAreDropped(t *testing.T) {
	s := open(t, t.TempDir())
	ctx := context.Background()
	for i := range 6 {
		create(t, s, fmt.Sprint("r", i), storetest.T0)
	}
	all, _ := s.Changes(ctx, 100)
	if len(all) != 6 {
		t.Fatalf("%d changes, want 6", len(all))
	}
	if err := s.Consumed(ctx, all[3].Seq); err != nil {
		t.Fatal(err)
	}
	var kept int
	_ = s.db.View(func(tx *bolt.Tx) error {
		kept = tx.Bucket(bucketChanges).Stats().KeyN
		return nil
	})
	if kept != 2 {
		t.Errorf("%d changes kept, want the 2 not consumed", kept)
	}
	rest, _ := s.Changes(ctx, 100)
	if len(rest) != 2 || rest[0].Seq != all[4].Seq {
		t.Errorf("changes after the position = %+v", rest)
	}
}

// TestSecondOpenIsRefused: while one store holds the folder, another
// cannot open it, and the error names the file.
func TestSecondOpenIsRefused(t *testing.T) {
	dir := t.TempDir()
	first := open(t, dir)
	start := time.Now()
	_, err := Open(dir)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), filepath.Join(dir, FileName)) {
		t.Fatalf("second Open() error = %v, want ErrLocked naming the file", err)
	}
	if waited := time.Since(start); waited > 10*lockWait {
		t.Errorf("second Open() took %v to give up", waited)
	}
	first.Close()
	open(t, dir)
}

// TestDamagedDatabaseIsRefused: a file cut short or overwritten is refused
// at Open with ErrDamaged, naming it, rather than read as empty or left to
// crash the server later.
func TestDamagedDatabaseIsRefused(t *testing.T) {
	damage := map[string]func(path string) error{
		"truncated": func(path string) error {
			info, err := os.Stat(path)
			if err != nil {
				return err
			}
			return os.Truncate(path, info.Size()/2)
		},
		"not a database": func(path string) error {
			return os.WriteFile(path, []byte(`{"requests":{}}`), 0o600)
		},
		"overwritten header": func(path string) error {
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = f.WriteAt(make([]byte, 8192), 0)
			return err
		},
	}
	for name, fn := range damage {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			s := open(t, dir)
			for i := range 200 {
				create(t, s, strings.Repeat("history ", 40)+fmt.Sprint(i), storetest.T0)
			}
			s.Close()
			path := filepath.Join(dir, FileName)
			if err := fn(path); err != nil {
				t.Fatal(err)
			}
			_, err := Open(dir)
			if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), path) {
				t.Fatalf("Open() of a %s database: %v, want ErrDamaged naming %s", name, err, path)
			}
		})
	}
}

// TestClosedStoreIsUnavailable: a store that cannot write answers
// ErrUnavailable, as an outage of DynamoDB does, and keeps nothing.
func TestClosedStoreIsUnavailable(t *testing.T) {
	s := open(t, t.TempDir())
	s.Close()
	r := storetest.Request("x", storetest.T0)
	if _, err := s.Create(context.Background(), r, appointment.Dedupe{Fingerprint: r.Fingerprint()}); !errors.Is(err, appointment.ErrUnavailable) {
		t.Fatalf("Create() error = %v, want ErrUnavailable", err)
	}
}

// TestExpiredClaimsArePurged: claims that ran out are dropped by later
// writes, so the claims kept do not grow with every request ever made.
func TestExpiredClaimsArePurged(t *testing.T) {
	s := open(t, t.TempDir())
	now := storetest.T0
	s.SetClock(func() time.Time { return now })
	for i := range 20 {
		create(t, s, fmt.Sprint("old", i), now)
	}
	now = now.Add(appointment.IdempotencyWindow + appointment.DedupeWindow + time.Hour)
	for i := range 5 {
		create(t, s, fmt.Sprint("new", i), now)
	}
	var claims, expiries int
	_ = s.db.View(func(tx *bolt.Tx) error {
		claims = tx.Bucket(bucketClaims).Stats().KeyN
		expiries = tx.Bucket(bucketExpiry).Stats().KeyN
		return nil
	})
	if claims != 5 || expiries != 5 {
		t.Errorf("%d claims and %d expiries kept, want the 5 live ones", claims, expiries)
	}
}

// TestDecoyIsDurable: a decoy is written to disk like a request's claims,
// so the next process still knows it, and it is dropped with the expired
// claims once its window ends.
func TestDecoyIsDurable(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	now := storetest.T0
	start := now.Truncate(appointment.DedupeWindow)
	first := open(t, dir)
	first.SetClock(func() time.Time { return now })
	if repeat, err := first.Decoy(ctx, "honeypot#a", start, appointment.DedupeWindow); err != nil || repeat {
		t.Fatalf("Decoy() = %v, %v; want new", repeat, err)
	}
	first.Close()

	again := open(t, dir)
	again.SetClock(func() time.Time { return now })
	if repeat, err := again.Decoy(ctx, "honeypot#a", start, appointment.DedupeWindow); err != nil || !repeat {
		t.Errorf("after a restart Decoy() = %v, %v; want a repeat", repeat, err)
	}
	now = start.Add(appointment.DedupeWindow + time.Minute)
	create(t, again, "later", now)
	var claims int
	_ = again.db.View(func(tx *bolt.Tx) error {
		claims = tx.Bucket(bucketClaims).Stats().KeyN
		return nil
	})
	if claims != 1 {
		t.Errorf("%d claims kept, want only the new request's", claims)
	}
}

// TestRequestsPagesNewestFirst: the listing walks every request newest
// first in pages, and shows an unreadable one as such instead of failing.
func TestRequestsPagesNewestFirst(t *testing.T) {
	s := open(t, t.TempDir())
	ctx := context.Background()
	var ids []string
	for i := range 7 {
		ids = append(ids, create(t, s, fmt.Sprint("r", i), storetest.T0.Add(time.Duration(i)*time.Minute)).ID)
	}
	// Damage the fourth request's stored value.
	if err := s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRequests).Put([]byte(ids[3]), []byte("{not json"))
	}); err != nil {
		t.Fatal(err)
	}
	var got []string
	cursor := ""
	for page := 0; page < 10; page++ {
		entries, next, err := s.Requests(ctx, cursor, 3)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.Err != nil {
				got = append(got, "bad:"+e.Key)
			} else {
				got = append(got, e.Request.ID)
			}
		}
		if next == "" {
			break
		}
		cursor = next
	}
	want := []string{ids[6], ids[5], ids[4], "bad:" + ids[3], ids[2], ids[1], ids[0]}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("pages = %v, want %v", got, want)
	}
	if _, _, err := s.Requests(ctx, "!!", 3); !errors.Is(err, ErrCursor) {
		t.Errorf("bad cursor: %v, want ErrCursor", err)
	}
}

// TestListReadsTheStatusIndex: List returns the requests of one status,
// oldest first, up to the limit.
func TestListReadsTheStatusIndex(t *testing.T) {
	s := open(t, t.TempDir())
	ctx := context.Background()
	var ids []string
	for i := range 4 {
		ids = append(ids, create(t, s, fmt.Sprint("r", i), storetest.T0.Add(-time.Duration(i)*time.Minute)).ID)
	}
	got, err := s.List(ctx, appointment.StatusReceived, 3)
	if err != nil || len(got) != 3 || got[0].ID != ids[3] || got[2].ID != ids[1] {
		t.Fatalf("List() = %d requests, %v", len(got), err)
	}
	if other, err := s.List(ctx, appointment.Status("scheduled"), 10); err != nil || len(other) != 0 {
		t.Errorf("List(scheduled) = %d, %v", len(other), err)
	}
}

// TestLeaseOfAnEarlierRunIsTakenOver: a lease held when the store was
// closed, as by a server that was killed, can be claimed at once after the
// store is opened again; within one run a live lease still holds.
func TestLeaseOfAnEarlierRunIsTakenOver(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	r := create(t, s, "x", time.Now())
	until := time.Now().Add(time.Hour)
	if ok, _, err := s.ClaimEmail(ctx, r.ID, appointment.EmailPatient, "dead", until, time.Now()); !ok || err != nil {
		t.Fatalf("claim = %v, %v", ok, err)
	}
	if ok, _, _ := s.ClaimEmail(ctx, r.ID, appointment.EmailPatient, "rival", until, time.Now()); ok {
		t.Fatal("a live lease was taken over within one run")
	}
	s.Close()

	again := open(t, dir)
	ok, d, err := again.ClaimEmail(ctx, r.ID, appointment.EmailPatient, "next", until, time.Now())
	if !ok || err != nil || d.Lease != "next" {
		t.Fatalf("claim after reopening = %v, %+v, %v; want the earlier run's lease taken over", ok, d, err)
	}
	if ok, _, _ := again.ClaimEmail(ctx, r.ID, appointment.EmailPatient, "rival", until, time.Now()); ok {
		t.Error("the new lease was taken over within its run")
	}
	if err := again.MarkEmailSent(ctx, r.ID, appointment.EmailPatient, "next", "m", time.Now()); err != nil {
		t.Fatal(err)
	}
	if ok, _, _ := again.ClaimEmail(ctx, r.ID, appointment.EmailPatient, "rival", until, time.Now()); ok {
		t.Error("a sent email was claimed again")
	}
}

// TestOutboxKeepsOneCopyPerEmail: the same email sent twice, as after a
// crash between sending and recording it, is kept once and answers with
// the first message ID, and is kept under the identity its message
// carries; emails about no request are all kept.
func TestOutboxKeepsOneCopyPerEmail(t *testing.T) {
	s := open(t, t.TempDir())
	ctx := context.Background()
	named := appointment.Message{RequestID: "req1", Kind: appointment.EmailPatient, From: "a@example.com", To: []string{"p@example.com"}, Raw: []byte("Subject: x\r\n\r\nbody")}
	first, err := s.Send(ctx, named)
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.Send(ctx, named)
	if err != nil || second != first {
		t.Errorf("second send = %q, %v; want %q", second, err, first)
	}
	other := named
	other.Kind = appointment.EmailFrontDesk
	if third, err := s.Send(ctx, other); err != nil || third == first {
		t.Errorf("the request's other email = %q, %v; want a message of its own", third, err)
	}
	digest := appointment.Message{Kind: "digest", From: "a@example.com", To: []string{"p@example.com"}, Raw: []byte("x")}
	for range 2 {
		if _, err := s.Send(ctx, digest); err != nil {
			t.Fatal(err)
		}
	}
	emails, next, err := s.Emails(ctx, 0, 10)
	if err != nil || len(emails) != 4 || next != 0 {
		t.Fatalf("outbox = %d emails, next %d, %v; want 4", len(emails), next, err)
	}
	if got := emails[3]; got.MessageID != first || got.RequestID != "req1" || got.Kind != appointment.EmailPatient {
		t.Errorf("oldest email = %q of %q/%q, want %q of req1/%s", got.MessageID, got.RequestID, got.Kind, first, appointment.EmailPatient)
	}
	if got := emails[0]; got.RequestID != "" || got.Kind != "" {
		t.Errorf("the digest is kept as request %q's %q email", got.RequestID, got.Kind)
	}
}

// TestOutboxReadsEarlierEntries: an entry an earlier version kept, which
// names the request's email as one "id/kind" string, is read with the
// same identity as one kept now.
func TestOutboxReadsEarlierEntries(t *testing.T) {
	s := open(t, t.TempDir())
	if err := s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketOutbox).Put(be64(1), []byte(`{"messageId":"m1","from":"a@example.com","to":["p@example.com"],"delivery":"req1/booking-2"}`)); err != nil {
			return err
		}
		return tx.Bucket(bucketRaw).Put(be64(1), []byte("x"))
	}); err != nil {
		t.Fatal(err)
	}
	e, ok, err := s.EmailByID(context.Background(), "1")
	if err != nil || !ok || e.Err != nil {
		t.Fatalf("EmailByID() = %+v, %v, %v", e, ok, err)
	}
	if e.RequestID != "req1" || e.Kind != appointment.TransitionEmail(appointment.EmailBooking, 2) || e.MessageID != "m1" {
		t.Errorf("earlier entry read as %q of %q/%q, want m1 of req1/booking-2", e.MessageID, e.RequestID, e.Kind)
	}
}

// TestOutboxPagesNewestFirst: the outbox walks its emails newest first, in
// pages, and hands out an unreadable entry marked as such.
func TestOutboxPagesNewestFirst(t *testing.T) {
	s := open(t, t.TempDir())
	ctx := context.Background()
	var ids []string
	for i := range 5 {
		id, err := s.Send(ctx, appointment.Message{From: "a@example.com", To: []string{"p@example.com"}, Raw: []byte(fmt.Sprint(i))})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketOutbox).Put(be64(2), []byte("{not json"))
	}); err != nil {
		t.Fatal(err)
	}
	var got []string
	var before uint64
	for page := 0; page < 10; page++ {
		emails, next, err := s.Emails(ctx, before, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range emails {
			if e.Err != nil {
				got = append(got, fmt.Sprint("bad:", e.ID))
			} else {
				got = append(got, e.MessageID)
			}
		}
		if next == 0 {
			break
		}
		before = next
	}
	want := []string{ids[4], ids[3], ids[2], "bad:2", ids[0]}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("pages = %v, want %v", got, want)
	}
	if e, ok, err := s.EmailByID(ctx, "4"); !ok || err != nil || e.MessageID != ids[3] {
		t.Errorf("EmailByID(4) = %+v, %v, %v", e, ok, err)
	}
	for _, bad := range []string{"", "x", "../appointments.db", "99"} {
		if _, ok, _ := s.EmailByID(ctx, bad); ok {
			t.Errorf("EmailByID(%q) found an email", bad)
		}
	}
}

// TestImportsAnEarlierFolder: the requests and emails an earlier version
// kept in JSON files are brought in once; a request whose emails were not
// all settled is logged so that they go out, the others are not.
func TestImportsAnEarlierFolder(t *testing.T) {
	dir := t.TempDir()
	settled := storetest.Request("settled", storetest.T0)
	settled.Deliveries = map[appointment.EmailKind]appointment.Delivery{
		appointment.EmailPatient:   {State: appointment.DeliverySent, MessageID: "m1"},
		appointment.EmailFrontDesk: {State: appointment.DeliveryFailed, Reason: "suppressed: hourly cap"},
	}
	pending := storetest.Request("pending", storetest.T0.Add(time.Minute))
	pending.Deliveries = map[appointment.EmailKind]appointment.Delivery{
		appointment.EmailPatient: {State: appointment.DeliverySending, Lease: "old", LeaseUntil: time.Now().Add(time.Hour)},
	}
	old, _ := json.Marshal(map[string]any{
		"requests": map[string]appointment.Request{settled.ID: settled, pending.ID: pending},
		"claims":   map[string]any{}, "counters": map[string]any{}, "stream": []any{}, "nextSeq": 7,
	})
	if err := os.MkdirAll(filepath.Join(dir, "store"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "store", "requests.json"), old, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "outbox"), 0o700); err != nil {
		t.Fatal(err)
	}
	mail, _ := json.Marshal(map[string]any{"id": "x", "messageId": "m1", "at": storetest.T0, "from": "a@example.com", "to": []string{"p@example.com"}, "raw": []byte("Subject: hi\r\n\r\nbody")})
	if err := os.WriteFile(filepath.Join(dir, "outbox", "00000000000000000001-abc.json"), mail, 0o600); err != nil {
		t.Fatal(err)
	}

	s := open(t, dir)
	ctx := context.Background()
	requests, emails, err := s.ImportEarlier(dir)
	if err != nil || requests != 2 || emails != 1 {
		t.Fatalf("ImportEarlier() = %d, %d, %v; want 2, 1", requests, emails, err)
	}
	got, err := s.Get(ctx, settled.ID)
	if err != nil || got.Deliveries[appointment.EmailPatient].MessageID != "m1" || got.Fingerprint() != settled.Fingerprint() {
		t.Errorf("imported request = %+v, %v", got, err)
	}
	changes, _ := s.Changes(ctx, 10)
	if len(changes) != 1 || changes[0].After.ID != pending.ID {
		t.Errorf("changes logged = %+v; want only the request with emails to send", changes)
	}
	// The earlier server's lease is taken over at once.
	if ok, _, err := s.ClaimEmail(ctx, pending.ID, appointment.EmailPatient, "new", time.Now().Add(time.Minute), time.Now()); !ok || err != nil {
		t.Errorf("claim of the earlier lease = %v, %v", ok, err)
	}
	list, _, err := s.Emails(ctx, 0, 10)
	if err != nil || len(list) != 1 || list[0].MessageID != "m1" || string(list[0].Raw) != "Subject: hi\r\n\r\nbody" {
		t.Errorf("imported outbox = %+v, %v", list, err)
	}
	for _, p := range []string{"store.imported", "outbox.imported"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	if requests, emails, err := s.ImportEarlier(dir); requests+emails != 0 || err != nil {
		t.Errorf("second import = %d, %d, %v", requests, emails, err)
	}
}

// TestActionLinkKeyIsKept: the key is made once and kept across restarts.
func TestActionLinkKeyIsKept(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	first, err := s.ActionLinkKey()
	if err != nil || len(first) != 32 {
		t.Fatalf("ActionLinkKey() = %x, %v", first, err)
	}
	s.Close()
	again := open(t, dir)
	if second, err := again.ActionLinkKey(); err != nil || !bytes.Equal(first, second) {
		t.Errorf("after a restart the key is %x, %v; want %x", second, err, first)
	}
}
