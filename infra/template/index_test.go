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
	srv := mototest.Start(t)
	db := dynamodb.NewFromConfig(srv.AWSConfig())
	const table = "requests"
	srv.CreateRequestsTable(t, table)
	store := dynamo.New(db, table, 365)
	ctx := context.Background()
	profile, err := clinic.Default()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 12, 1, 15, 0, 0, 0, time.UTC)

	// One request received long enough ago to be overdue, one contacted
	// (its history says when), one the front desk declined (not open).
	received := storetest.Request("Knee pain after running", now.Add(-72*time.Hour))
	contacted := storetest.Request("Stiff neck", now.Add(-50*time.Hour))
	contacted.FirstName, contacted.Phone, contacted.PhoneExtension = "Sam", "+13035550163", ""
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
			c, err := email.NewComposer(profile, email.Settings{
				Sender: "appointments@example.com", FrontDesk: []string{"frontdesk@example.com"}, StaffDetail: detail,
				Links: func(id string, a appointment.Action) string {
					return "https://api.example.com/manage/" + string(a) + "/" + id
				},
			})
			if err != nil {
				t.Fatal(err)
			}
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
				shown = append(shown, "Rivera", "555-0142", "Sam")
			}
			for _, s := range shown {
				if !strings.Contains(want.Text, s) {
					t.Errorf("the digest does not show %q, so the test cannot tell whether the index holds it:\n%s", s, want.Text)
				}
			}
		})
	}

	// Read the index raw: it returns nothing beyond the keys and the
	// projection, and none of what the patient wrote about themselves.
	def, err := samtemplate.RequestsTable(readTemplate(t), table)
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{}
	for _, k := range def.KeySchema {
		allowed[aws.ToString(k.AttributeName)] = true
	}
	for _, g := range def.GlobalSecondaryIndexes {
		for _, k := range g.KeySchema {
			allowed[aws.ToString(k.AttributeName)] = true
		}
		for _, a := range g.Projection.NonKeyAttributes {
			allowed[a] = true
		}
	}
	out, err := db.Query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(table),
		IndexName:                 aws.String(dynamo.IndexByStatus),
		KeyConditionExpression:    aws.String("#s = :s"),
		ExpressionAttributeNames:  map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": &types.AttributeValueMemberS{Value: string(appointment.StatusReceived)}},
	})
	if err != nil || len(out.Items) == 0 {
		t.Fatalf("query the index: %d items, %v", len(out.Items), err)
	}
	for _, item := range out.Items {
		for _, name := range slices.Sorted(maps.Keys(item)) {
			if !allowed[name] {
				t.Errorf("the index returns %s, which it does not project: moto ignores the projection, or the table was made without it", name)
			}
		}
		for _, private := range []string{"email", "reason", "preferredDays", "preferredTimes", "contactMethod", "newPatient"} {
			if _, ok := item[private]; ok {
				t.Errorf("the index holds the request's %s", private)
			}
		}
	}
}
