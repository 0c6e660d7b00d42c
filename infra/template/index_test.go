package template

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/digest"
	"example.com/appointments/internal/dynamo"
	"example.com/appointments/internal/email"
	"example.com/appointments/internal/i18n"
	"example.com/appointments/internal/testing/mototest"
	"example.com/appointments/internal/testing/samtemplate"
	"example.com/appointments/internal/testing/storetest"
)

// TestDigestFromTheStatusIndex: the ByStatus index holds every attribute
// the morning digest shows and none of what the patient wrote about
// themselves beyond their name and phone. The table is
// made at moto from template.yaml's definition, projection included (moto
// returns only projected attributes from an index, as DynamoDB does), and
// requests with every field filled in are stored through the DynamoDB
// adapter. The digest composed from what the digest reads, the index, must
// be the digest composed from the same requests read from the table, with
// either amount of StaffEmailDetail; an attribute the digest shows and the
// index lacks makes them differ.
func TestDigestFromTheStatusIndex(t *testing.T) {
	db, store, profile := indexTable(t)
	ctx := context.Background()
	now := time.Date(2025, 12, 1, 15, 0, 0, 0, time.UTC)

	// One request received long enough ago to be overdue, one contacted
	// (its history says when), one the front desk declined (not open).
	received := storetest.Request("Knee pain after running", now.Add(-72*time.Hour))
	contacted := storetest.Request("Stiff neck", now.Add(-50*time.Hour))
	contacted.FirstName, contacted.Phone, contacted.PhoneExtension = "Sam", "+13035550163", ""
	// Sam asked in Spanish, which the digest names.
	contacted.Language = i18n.Spanish
	declined := storetest.Request("Sore wrist", now.Add(-30*time.Hour))
	for _, r := range []appointment.Request{received, contacted, declined} {
		if _, err := store.Create(ctx, r, appointment.Dedupe{Fingerprint: r.Fingerprint()}); err != nil {
			t.Fatal(err)
		}
	}
	for _, step := range []struct {
		id     string
		action appointment.Action
		at     time.Time
	}{
		{contacted.ID, appointment.ActionContact, now.Add(-26 * time.Hour)},
		{declined.ID, appointment.ActionDecline, now.Add(-5 * time.Hour)},
	} {
		before, err := store.Get(ctx, step.id)
		if err != nil {
			t.Fatal(err)
		}
		after, _, err := before.Apply(appointment.Command{Action: step.action, Audience: step.action.Audience()}, step.at)
		if err != nil {
			t.Fatal(err)
		}
		if err := store.Transition(ctx, before, after); err != nil {
			t.Fatal(err)
		}
	}

	var fromIndex, fromTable []appointment.Request
	for _, status := range []appointment.Status{appointment.StatusReceived, appointment.StatusContacted} {
		list, err := store.List(ctx, status, digest.ListLimit)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range list {
			fromIndex = append(fromIndex, r)
			whole, err := store.Get(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			fromTable = append(fromTable, whole)
		}
	}
	if len(fromIndex) != 2 {
		t.Fatalf("the index lists %d open requests, want 2", len(fromIndex))
	}

	for _, detail := range []email.StaffDetail{email.StaffDetailFull, email.StaffDetailMinimal} {
		t.Run(string(detail), func(t *testing.T) {
			c := indexComposer(t, profile, detail)
			want, err := c.ComposeDigest(digest.Build(profile, fromTable, now))
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.ComposeDigest(digest.Build(profile, fromIndex, now))
			if err != nil {
				t.Fatalf("the digest cannot be composed from the index: %v", err)
			}
			if got.Subject != want.Subject || got.Text != want.Text || got.HTML != want.HTML {
				t.Errorf("the digest from the index differs from the digest from the table:\n%s\nwant:\n%s", got.Text, want.Text)
			}
			// The comparison means something only if the digest shows
			// what the index must hold.
			shown := []string{received.Reference, contacted.Reference, "Contacted"}
			if detail == email.StaffDetailFull {
				shown = append(shown, "Rivera", "555-0142", "Sam", "Language: Spanish")
			}
			checkShows(t, "digest", want.Text, shown)
		})
	}

	if n := checkProjected(t, db, dynamo.IndexByStatus, appointment.StatusReceived, "email"); n == 0 {
		t.Fatal("the index holds no received request")
	}
}

// TestReminderFromTheAppointmentIndex: the ByAppointment index holds every
// attribute the reminder shows, as the reminders' sweep composes it from
// what the index returns (store.Upcoming) and never reads the table. As
// for the digest, the table is made at moto from template.yaml's
// definition, requests with every field filled in are stored and booked
// through the DynamoDB adapter, and the reminder composed from the index
// must be the reminder composed from the same requests read from the
// table; an attribute the reminder needs and the index lacks makes them
// differ, or makes the reminder fail to compose.
func TestReminderFromTheAppointmentIndex(t *testing.T) {
	db, store, profile := indexTable(t)
	ctx := context.Background()
	zone := profile.Zone()
	now := time.Date(2025, 12, 1, 15, 0, 0, 0, time.UTC)
	const before = appointment.DefaultReminderHoursBefore * time.Hour

	// One request contacted and then booked, with a clinician and a note
	// on two lines; one booked and then moved, so that its reminder is of
	// its second transition. Both are booked days before the reminder's
	// window opens.
	booked := storetest.Request("Knee pain after running", now.Add(-72*time.Hour))
	moved := storetest.Request("Stiff neck", now.Add(-50*time.Hour))
	moved.FirstName, moved.Phone, moved.PhoneExtension, moved.Service = "Sam", "+13035550163", "", "evaluation"
	for _, r := range []appointment.Request{booked, moved} {
		if _, err := store.Create(ctx, r, appointment.Dedupe{Fingerprint: r.Fingerprint()}); err != nil {
			t.Fatal(err)
		}
	}
	for _, step := range []struct {
		id      string
		action  appointment.Action
		at      time.Time
		booking *appointment.Booking
	}{
		{booked.ID, appointment.ActionContact, now.Add(-48 * time.Hour), nil},
		{booked.ID, appointment.ActionSchedule, now.Add(-47 * time.Hour), &appointment.Booking{
			Start: time.Date(2025, 12, 9, 9, 30, 0, 0, zone), Length: 45 * time.Minute, Clinician: "Dr. Sam Patel, DPT",
			Note: "Please arrive 10 minutes early.\nBring your running shoes.",
		}},
		{moved.ID, appointment.ActionSchedule, now.Add(-26 * time.Hour), &appointment.Booking{
			Start: time.Date(2025, 12, 8, 8, 0, 0, 0, zone), Length: time.Hour,
		}},
		{moved.ID, appointment.ActionReschedule, now.Add(-2 * time.Hour), &appointment.Booking{
			Start: time.Date(2025, 12, 10, 14, 15, 0, 0, zone), Length: 90 * time.Minute, Clinician: "Dr. Ana Li, DPT",
		}},
	} {
		current, err := store.Get(ctx, step.id)
		if err != nil {
			t.Fatal(err)
		}
		after, _, err := current.Apply(appointment.Command{Action: step.action, Audience: step.action.Audience(), Booking: step.booking}, step.at)
		if err != nil {
			t.Fatalf("%s: %v", step.action, err)
		}
		if err := store.Transition(ctx, current, after); err != nil {
			t.Fatal(err)
		}
	}
	// The booking emails went out, so the requests carry delivery records
	// too, as they do when their reminders come due.
	for id, kind := range map[string]appointment.EmailKind{
		booked.ID: appointment.TransitionEmail(appointment.EmailBooking, 1),
		moved.ID:  appointment.TransitionEmail(appointment.EmailBooking, 1),
	} {
		if ok, _, err := store.ClaimEmail(ctx, id, kind, "lease", now.Add(time.Minute), now); err != nil || !ok {
			t.Fatalf("claim %s: %v, %v", kind, ok, err)
		}
		if err := store.MarkEmailSent(ctx, id, kind, "lease", "ses-"+id, now); err != nil {
			t.Fatal(err)
		}
	}

	fromIndex, err := store.Upcoming(ctx, now, now.Add(30*24*time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(fromIndex) != 2 {
		t.Fatalf("the index lists %d upcoming appointments, want 2", len(fromIndex))
	}

	for _, detail := range []email.StaffDetail{email.StaffDetailFull, email.StaffDetailMinimal} {
		t.Run(string(detail), func(t *testing.T) {
			c := indexComposer(t, profile, detail)
			for _, indexed := range fromIndex {
				whole, err := store.Get(ctx, indexed.ID)
				if err != nil {
					t.Fatal(err)
				}
				// The sweep goes by the reminder the request calls for;
				// the index must hold what decides it too.
				m, ok := indexed.Reminder(before)
				if wm, wok := whole.Reminder(before); !ok || !wok || m != wm {
					t.Fatalf("%s: the reminder from the index is %+v (%v), from the table %+v (%v)", whole.Reference, m, ok, wm, wok)
				}
				if wantKind := appointment.TransitionEmail(appointment.EmailReminder, len(whole.History)-1); m.Kind != wantKind {
					t.Fatalf("%s: the reminder is %s, want %s", whole.Reference, m.Kind, wantKind)
				}
				want, err := c.Compose(m.Kind, whole)
				if err != nil {
					t.Fatal(err)
				}
				got, err := c.Compose(m.Kind, indexed)
				if err != nil {
					t.Fatalf("%s: the reminder cannot be composed from the index: %v", whole.Reference, err)
				}
				if got.Subject != want.Subject || got.Text != want.Text || got.HTML != want.HTML || !slices.Equal(got.To, want.To) {
					t.Errorf("the reminder from the index differs from the reminder from the table:\n%s\nwant:\n%s", got.Text, want.Text)
				}
				// The comparison means something only if the reminder
				// shows what the index must hold.
				b := whole.Booking
				shown := []string{whole.Reference, "Hi " + whole.FirstName + ",", b.Start.In(zone).Format("Monday, January 2, 2006"),
					b.Clinician, "Ascent Total Performance, 1200 Example Avenue", "/cancel/" + whole.ID}
				if s, ok := profile.Service(whole.Service); ok {
					shown = append(shown, s.Label)
				}
				if b.Note != "" {
					shown = append(shown, "Bring your running shoes.")
				}
				checkShows(t, "reminder", want.Text, shown)
			}
		})
	}

	if n := checkProjected(t, db, dynamo.IndexByAppointment, appointment.StatusScheduled); n != 2 {
		t.Fatalf("the index holds %d scheduled requests, want 2", n)
	}
}

// indexTableName is the name of the table the index tests make.
const indexTableName = "requests"

// indexTable makes the requests table at moto as template.yaml defines
// it, projections included (moto returns only projected attributes from
// an index, as DynamoDB does), and returns a client, the DynamoDB adapter
// over it, and the default clinic profile.
func indexTable(t *testing.T) (*dynamodb.Client, *dynamo.Store, *clinic.Profile) {
	t.Helper()
	srv := mototest.Start(t)
	db := dynamodb.NewFromConfig(srv.AWSConfig())
	srv.CreateRequestsTable(t, indexTableName)
	profile, err := clinic.Default()
	if err != nil {
		t.Fatal(err)
	}
	return db, dynamo.New(db, indexTableName, 365), profile
}

// indexComposer composes the emails the index tests compare, with the
// given amount of staff detail.
func indexComposer(t *testing.T, profile *clinic.Profile, detail email.StaffDetail) *email.Composer {
	t.Helper()
	c, err := email.NewComposer(profile, email.Settings{
		Sender: "appointments@example.com", FrontDesk: []string{"frontdesk@example.com"}, StaffDetail: detail,
		Links: func(id string, a appointment.Action) string {
			return "https://api.example.com/manage/" + string(a) + "/" + id
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// checkShows fails for each of shown that the email's text does not say:
// a comparison of the email from an index with the one from the table
// means something only if the email shows what the index must hold.
func checkShows(t *testing.T, what, text string, shown []string) {
	t.Helper()
	for _, s := range shown {
		if !strings.Contains(text, s) {
			t.Errorf("the %s does not show %q, so the test cannot tell whether the index holds it:\n%s", what, s, text)
		}
	}
}

// checkProjected reads the requests of status from the index of the given
// name, raw, and returns how many there are. It fails for an attribute
// that is neither a key nor in the index's projection in template.yaml,
// for any of what the patient wrote about themselves beyond their name
// and contact details, and for any of the attributes private also names.
func checkProjected(t *testing.T, db *dynamodb.Client, index string, status appointment.Status, private ...string) int {
	t.Helper()
	out, err := db.Query(context.Background(), &dynamodb.QueryInput{
		TableName:                 aws.String(indexTableName),
		IndexName:                 aws.String(index),
		KeyConditionExpression:    aws.String("#s = :s"),
		ExpressionAttributeNames:  map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": &types.AttributeValueMemberS{Value: string(status)}},
	})
	if err != nil {
		t.Fatalf("query the index: %v", err)
	}
	items := out.Items
	def, err := samtemplate.RequestsTable(readTemplate(t), indexTableName)
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{}
	for _, k := range def.KeySchema {
		allowed[aws.ToString(k.AttributeName)] = true
	}
	found := false
	for _, g := range def.GlobalSecondaryIndexes {
		if aws.ToString(g.IndexName) != index {
			continue
		}
		found = true
		for _, k := range g.KeySchema {
			allowed[aws.ToString(k.AttributeName)] = true
		}
		for _, a := range g.Projection.NonKeyAttributes {
			allowed[a] = true
		}
	}
	if !found {
		t.Fatalf("template.yaml's table has no index %s", index)
	}
	for _, item := range items {
		for _, name := range slices.Sorted(maps.Keys(item)) {
			if !allowed[name] {
				t.Errorf("the index returns %s, which it does not project: moto ignores the projection, or the table was made without it", name)
			}
		}
		for _, p := range append([]string{"reason", "preferredDays", "preferredTimes", "contactMethod", "newPatient"}, private...) {
			if _, ok := item[p]; ok {
				t.Errorf("the index holds the request's %s", p)
			}
		}
	}
	return len(items)
}
