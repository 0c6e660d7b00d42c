package dynamo

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"example.com/appointments/internal/appointment"
)

// Transition writes after's status, booking and history over before's,
// on the condition that the stored request is still as before left it: the
// same status and the same number of recorded changes. Two people acting
// on one request at once thus cannot both succeed; the loser gets
// appointment.ErrConflict and reads the request again. A missing request
// is appointment.ErrNotFound.
func (s *Store) Transition(ctx context.Context, before, after appointment.Request) error {
	names := map[string]string{"#status": "status"}
	values := map[string]types.AttributeValue{
		":to":      str(string(after.Status)),
		":from":    str(string(before.Status)),
		":history": historyValue(after.History),
		":cause":   str(string(appointment.CauseTransition)),
	}
	// The first versions stored a received request as "new".
	values[":legacy"] = values[":from"]
	if before.Status == appointment.StatusReceived {
		values[":legacy"] = str("new")
	}
	condition := "attribute_exists(pk) AND (#status = :from OR #status = :legacy) AND "
	if n := len(before.History); n == 0 {
		condition += "attribute_not_exists(history)"
	} else {
		condition += "size(history) = :n"
		values[":n"] = number(int64(n))
	}
	// lastChange lets the stream's filter pass this write to NotifyFunction.
	update := "SET #status = :to, history = :history, lastChange = :cause"
	if after.Booking != nil {
		// appointmentAt keys the ByAppointment index, which the reminders'
		// sweep reads by the appointment's time (Upcoming).
		update += ", booking = :booking, appointmentAt = :appointmentAt"
		values[":booking"] = bookingValue(*after.Booking)
		values[":appointmentAt"] = str(after.Booking.Start.UTC().Format(timeLayout))
	}
	_, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       requestKey(before.ID),
		UpdateExpression:          aws.String(update),
		ConditionExpression:       aws.String(condition),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	})
	var refused *types.ConditionalCheckFailedException
	if errors.As(err, &refused) {
		// Either gone or changed: which, a read tells.
		if _, err := s.Get(ctx, before.ID); errors.Is(err, appointment.ErrNotFound) {
			return err
		}
		return appointment.ErrConflict
	}
	if err != nil {
		return unavailable("record transition", err)
	}
	return nil
}

// bookingValue is a booking as the item holds it; the start is UTC text
// and the length whole minutes.
func bookingValue(b appointment.Booking) types.AttributeValue {
	m := map[string]types.AttributeValue{
		"start":    str(b.Start.UTC().Format(timeLayout)),
		"minutes":  number(int64(b.Length / time.Minute)),
		"sequence": number(int64(b.Sequence)),
	}
	if b.Clinician != "" {
		m["clinician"] = str(b.Clinician)
	}
	if b.Note != "" {
		m["note"] = str(b.Note)
	}
	return &types.AttributeValueMemberM{Value: m}
}

func bookingFromValue(v types.AttributeValue) *appointment.Booking {
	m, ok := v.(*types.AttributeValueMemberM)
	if !ok {
		return nil
	}
	b := &appointment.Booking{Clinician: stringAttr(m.Value, "clinician"), Note: stringAttr(m.Value, "note")}
	if t, err := time.Parse(timeLayout, stringAttr(m.Value, "start")); err == nil {
		b.Start = t
	}
	if n, ok := numberAttr(m.Value, "minutes"); ok {
		b.Length = time.Duration(n) * time.Minute
	}
	if n, ok := numberAttr(m.Value, "sequence"); ok {
		b.Sequence = int(n)
	}
	return b
}

// historyValue is the list of a request's transitions, oldest first.
func historyValue(history []appointment.Transition) types.AttributeValue {
	l := make([]types.AttributeValue, len(history))
	for i, t := range history {
		m := map[string]types.AttributeValue{
			"action":   str(string(t.Action)),
			"audience": str(string(t.Audience)),
			"from":     str(string(t.From)),
			"to":       str(string(t.To)),
			"at":       str(t.At.UTC().Format(timeLayout)),
		}
		if t.Booking != nil {
			m["booking"] = bookingValue(*t.Booking)
		}
		if t.Message != "" {
			m["message"] = str(t.Message)
		}
		if t.Link != "" {
			m["link"] = str(t.Link)
		}
		l[i] = &types.AttributeValueMemberM{Value: m}
	}
	return &types.AttributeValueMemberL{Value: l}
}

func historyFromValue(v types.AttributeValue) []appointment.Transition {
	l, ok := v.(*types.AttributeValueMemberL)
	if !ok {
		return nil
	}
	out := make([]appointment.Transition, 0, len(l.Value))
	for _, e := range l.Value {
		m, ok := e.(*types.AttributeValueMemberM)
		if !ok {
			continue
		}
		t := appointment.Transition{
			Action:   appointment.Action(stringAttr(m.Value, "action")),
			Audience: appointment.Audience(stringAttr(m.Value, "audience")),
			From:     appointment.Status(stringAttr(m.Value, "from")).Normal(),
			To:       appointment.Status(stringAttr(m.Value, "to")),
			Booking:  bookingFromValue(m.Value["booking"]),
			Message:  stringAttr(m.Value, "message"),
			Link:     stringAttr(m.Value, "link"),
		}
		if at, err := time.Parse(timeLayout, stringAttr(m.Value, "at")); err == nil {
			t.At = at
		}
		out = append(out, t)
	}
	return out
}
