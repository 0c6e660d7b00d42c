package digest

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/dynamo"
	"example.com/appointments/internal/email"
	"example.com/appointments/internal/i18n"
	"example.com/appointments/internal/metrics"
	"example.com/appointments/internal/testing/iamsim"
	"example.com/appointments/internal/testing/mototest"
)

// These tests read the open requests from the ByStatus index of a table
// made as template.yaml defines it, at moto, through the DynamoDB adapter,
// and count the days' digests in the same table.

const table = "requests"

// stored creates a request received at created and takes it through the
// given actions, a day apart, as the front desk and the patient would.
func stored(t *testing.T, s *dynamo.Store, id string, status appointment.Status, created time.Time, actions ...appointment.Action) appointment.Request {
	t.Helper()
	return storedRequest(t, s, request(id, status, created), actions...)
}

// storedRequest creates r, received at its CreatedAt, and takes it
// through the given actions as stored does.
func storedRequest(t *testing.T, s *dynamo.Store, r appointment.Request, actions ...appointment.Action) appointment.Request {
	t.Helper()
	ctx := context.Background()
	id := r.ID
	r.Reference = appointment.NewReference()
	if _, err := s.Create(ctx, r, appointment.Dedupe{Fingerprint: id}); err != nil {
		t.Fatal(err)
	}
	when := r.CreatedAt
	for _, a := range actions {
		when = when.Add(24 * time.Hour)
		before, err := s.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		c := appointment.Command{Action: a, Audience: a.Audience()}
		if a == appointment.ActionSchedule {
			c.Booking = &appointment.Booking{Start: when.Add(72 * time.Hour), Length: time.Hour}
		}
		after, _, err := before.Apply(c, when)
		if err != nil {
			t.Fatalf("%s %s: %v", a, id, err)
		}
		if err := s.Transition(ctx, before, after); err != nil {
			t.Fatalf("%s %s: %v", a, id, err)
		}
	}
	got, err := s.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// digestStore is the handler's own store over moto, whose every call must
// be one DigestFunction's role allows; the tests' own writes, standing for
// the other functions', are not checked.
func digestStore(t *testing.T, srv *mototest.Server) *dynamo.Store {
	t.Helper()
	cfg := srv.AWSConfig()
	cfg.HTTPClient = &http.Client{Transport: iamsim.WatchTransport(t, "DigestFunction", iamsim.Binding{"RequestsTable": table}, nil)}
	return dynamo.New(dynamodb.NewFromConfig(cfg), table, 365)
}

// TestOpenRequestsFromTheStatusIndex stores requests of every state and
// age, the first versions' "new" among them, and checks that the digest
// lists exactly the open ones, overdue first, then the rest oldest first,
// and that a day's digest goes out once.
func TestOpenRequestsFromTheStatusIndex(t *testing.T) {
	srv := mototest.Start(t)
	db := dynamodb.NewFromConfig(srv.AWSConfig())
	srv.CreateRequestsTable(t, table)
	store := dynamo.New(db, table, 365)

	now := at(t, 11, 30, 8, 0) // Monday, 8:00 in Denver
	stored(t, store, "fresh", appointment.StatusReceived, now.Add(-10*time.Minute))
	stored(t, store, "overdue", appointment.StatusReceived, now.Add(-4*24*time.Hour))
	stored(t, store, "legacy", "new", now.Add(-9*24*time.Hour))
	stored(t, store, "contacted", appointment.StatusReceived, now.Add(-6*24*time.Hour), appointment.ActionContact)
	stored(t, store, "scheduled", appointment.StatusReceived, now.Add(-8*24*time.Hour), appointment.ActionContact, appointment.ActionSchedule)
	stored(t, store, "declined", appointment.StatusReceived, now.Add(-7*24*time.Hour), appointment.ActionDecline)
	stored(t, store, "cancelled", appointment.StatusReceived, now.Add(-5*24*time.Hour), appointment.ActionCancel)
	// A counter of the submit path's rate limits sits in the same table
	// and never in the index.
	if _, err := store.Count(context.Background(), "client", now.Truncate(time.Hour), time.Hour, 1); err != nil {
		t.Fatal(err)
	}

	w := newWorld(t)
	var log bytes.Buffer
	h := New(digestStore(t, srv), w.outbox, w.composer, profile(t), slog.New(slog.NewJSONHandler(&log, nil)), metrics.New(io.Discard, "Test"))
	for i := range 2 {
		sent, err := h.Send(context.Background(), now.Add(time.Duration(i)*time.Hour))
		if err != nil || sent != (i == 0) {
			t.Fatalf("send %d: sent %v, %v", i+1, sent, err)
		}
	}
	if len(w.outbox.sent) != 1 {
		t.Fatalf("%d digests sent, want 1", len(w.outbox.sent))
	}
	d := w.composer.digests[0]
	if got, want := ids(d), []string{"legacy", "overdue", "contacted", "fresh"}; !slices.Equal(got, want) {
		t.Errorf("digest lists %v, want %v", got, want)
	}
	for _, e := range d.Entries {
		if want := e.Request.ID == "legacy" || e.Request.ID == "overdue"; e.Overdue != want {
			t.Errorf("%s: overdue %v, want %v", e.Request.ID, e.Overdue, want)
		}
		if e.Request.ID == "legacy" && e.Request.Status != appointment.StatusReceived {
			t.Errorf("legacy request read as %q, want received", e.Request.Status)
		}
	}

	// The day's counter is an item of its own, under the prefix the
	// stack's policy lets DigestFunction update, and it expires.
	day, _ := localDay(now, profile(t).Zone())
	out, err := db.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(table), Key: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: dynamo.CounterPrefix(CounterName) + strconv.FormatInt(day.Unix(), 10)},
		"sk": &types.AttributeValueMemberS{Value: "RATE"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	count, _ := out.Item["count"].(*types.AttributeValueMemberN)
	_, expires := out.Item["expiresAt"].(*types.AttributeValueMemberN)
	if count == nil || count.Value != "1" || !expires {
		t.Errorf("the day's counter is %v, want count 1 (the digest; the repeat took its count back) with an expiry", out.Item)
	}
}

// TestNothingOpenAtMoto: with only settled requests in the table, no
// digest is sent and no day is counted.
func TestNothingOpenAtMoto(t *testing.T) {
	srv := mototest.Start(t)
	srv.CreateRequestsTable(t, table)
	store := dynamo.New(dynamodb.NewFromConfig(srv.AWSConfig()), table, 365)
	now := at(t, 11, 30, 8, 0)
	stored(t, store, "declined", appointment.StatusReceived, now.Add(-7*24*time.Hour), appointment.ActionDecline)

	w := newWorld(t)
	h := New(digestStore(t, srv), w.outbox, w.composer, profile(t), slog.New(slog.NewJSONHandler(io.Discard, nil)), metrics.New(io.Discard, "Test"))
	if sent, err := h.Send(context.Background(), now); err != nil || sent {
		t.Fatalf("sent %v, %v; want nothing", sent, err)
	}
	if len(w.outbox.sent) != 0 || len(w.composer.digests) != 0 {
		t.Errorf("%d sent, %d composed; want none", len(w.outbox.sent), len(w.composer.digests))
	}
}

// book schedules the stored request id at start, then moves it to each
// of moves in turn, as the front desk would from its links.
func book(t *testing.T, s *dynamo.Store, id string, when time.Time, start time.Time, moves ...time.Time) {
	t.Helper()
	ctx := context.Background()
	action := appointment.ActionSchedule
	for _, at := range append([]time.Time{start}, moves...) {
		before, err := s.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		c := appointment.Command{Action: action, Audience: action.Audience(), OutsideHours: true,
			Booking: &appointment.Booking{Start: at, Length: 45 * time.Minute, Clinician: "Dr. Sam Ortiz"}}
		after, _, err := before.Apply(c, when)
		if err != nil {
			t.Fatalf("%s %s: %v", action, id, err)
		}
		if err := s.Transition(ctx, before, after); err != nil {
			t.Fatal(err)
		}
		action, when = appointment.ActionReschedule, when.Add(time.Minute)
	}
}

// TestDaySheetFromTheStatusIndex: with no request open, the digest goes
// for the appointments booked today and on the next clinic day, read
// from the ByStatus index at moto (which holds a request's history, not
// its booking), a rescheduled one at its new time; and the digest
// composed from the index is the one composed from the same requests read
// from the table, in either staff-detail mode.
func TestDaySheetFromTheStatusIndex(t *testing.T) {
	srv := mototest.Start(t)
	srv.CreateRequestsTable(t, table)
	store := dynamo.New(dynamodb.NewFromConfig(srv.AWSConfig()), table, 365)
	now := at(t, 11, 30, 8, 0) // Monday, 8:00 in Denver
	booked := now.Add(-5 * 24 * time.Hour)
	// The patient booked for today asked in Spanish, which the day sheet
	// names (the clinic's language is English): the index must hold it.
	for _, b := range []struct {
		id       string
		language i18n.Language
		start    time.Time
		moves    []time.Time
	}{
		{"today", i18n.Spanish, at(t, 11, 30, 10, 0), nil},
		{"moved-to-tomorrow", i18n.English, at(t, 12, 3, 9, 0), []time.Time{at(t, 12, 1, 7, 30)}},
		{"moved-away", "", at(t, 11, 30, 9, 0), []time.Time{at(t, 12, 9, 9, 0)}},
		{"last-week", "", at(t, 11, 25, 9, 0), nil},
	} {
		r := request(b.id, appointment.StatusReceived, booked.Add(-time.Hour))
		r.Language = b.language
		storedRequest(t, store, r)
		book(t, store, b.id, booked, b.start, b.moves...)
	}
	stored(t, store, "declined", appointment.StatusReceived, now.Add(-7*24*time.Hour), appointment.ActionDecline)

	w := newWorld(t)
	h := New(digestStore(t, srv), w.outbox, w.composer, profile(t), slog.New(slog.NewJSONHandler(io.Discard, nil)), metrics.New(io.Discard, "Test"))
	if sent, err := h.Send(context.Background(), now); err != nil || !sent {
		t.Fatalf("sent %v, %v; want the day sheet", sent, err)
	}
	d := w.composer.digests[0]
	if got, want := daySheetOf(d.Days), []string{"Mon Nov 30: today", "Tue Dec 1: moved-to-tomorrow"}; !slices.Equal(got, want) || len(d.Entries) != 0 {
		t.Fatalf("day sheet %q with %d open, want %q and none open", got, len(d.Entries), want)
	}

	var fromTable []appointment.Request
	for _, day := range d.Days {
		for _, a := range day.Appointments {
			whole, err := store.Get(context.Background(), a.Request.ID)
			if err != nil {
				t.Fatal(err)
			}
			fromTable = append(fromTable, whole)
		}
	}
	for _, detail := range []email.StaffDetail{email.StaffDetailFull, email.StaffDetailMinimal} {
		c, err := email.NewComposer(profile(t), email.Settings{Sender: "appointments@example.com", FrontDesk: []string{"frontdesk@example.com"}, StaffDetail: detail,
			Links: func(id string, a appointment.Action) string {
				return "https://api.example.com/manage/" + string(a) + "/" + id
			}})
		if err != nil {
			t.Fatal(err)
		}
		want, err := c.ComposeDigest(email.Digest{At: now, Days: DaySheet(profile(t), fromTable, now)})
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.ComposeDigest(d)
		if err != nil {
			t.Fatal(err)
		}
		if got.Subject != want.Subject || got.Text != want.Text || got.HTML != want.HTML {
			t.Errorf("%s: the day sheet from the index differs from the one from the table:\n%s\nwant:\n%s", detail, got.Text, want.Text)
		}
		// The comparison means something only if the day sheet shows the
		// language, which it does with the patient's details.
		if named := strings.Count(want.Text, "Language: Spanish"); named != map[email.StaffDetail]int{email.StaffDetailFull: 1}[detail] {
			t.Errorf("%s: the day sheet names Spanish %d times:\n%s", detail, named, want.Text)
		}
	}
}
