package dynamo

import (
	"context"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/i18n"
)

// timeLayout is fixed-width UTC with milliseconds, so that createdAt sorts
// as text in the ByStatus index.
const timeLayout = "2006-01-02T15:04:05.000Z"

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		attrPK: &types.AttributeValueMemberS{Value: pk},
		attrSK: &types.AttributeValueMemberS{Value: sk},
	}
}

// RequestPrefix is how the partition keys of request items begin: what an
// IAM condition on dynamodb:LeadingKeys names to let a function write
// requests and no other item.
const RequestPrefix = "REQ#"

func requestKey(id string) map[string]types.AttributeValue {
	return key(RequestPrefix+id, "REQUEST")
}

func str(s string) types.AttributeValue {
	return &types.AttributeValueMemberS{Value: s}
}

func number(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

// requestItem is a request as stored. Empty optional fields are left out.
//
// The item is written by hand rather than with the SDK's attributevalue
// package: BenchmarkItem measures attributevalue at over twice the time and
// a third more memory, before the domain conversion a tagged struct would
// still need, on every submission and every stream record; the item's
// layout is also this table's contract, which reads plainly here.
func requestItem(r appointment.Request, expires time.Time) map[string]types.AttributeValue {
	item := requestKey(r.ID)
	put := func(name, value string) {
		if value != "" {
			item[name] = &types.AttributeValueMemberS{Value: value}
		}
	}
	list := func(name string, values []string) {
		if len(values) == 0 {
			return
		}
		l := make([]types.AttributeValue, len(values))
		for i, v := range values {
			l[i] = &types.AttributeValueMemberS{Value: v}
		}
		item[name] = &types.AttributeValueMemberL{Value: l}
	}
	put("type", "request")
	put("id", r.ID)
	put("reference", r.Reference)
	put("status", string(r.Status))
	put("createdAt", r.CreatedAt.UTC().Format(timeLayout))
	put("firstName", r.FirstName)
	put("lastName", r.LastName)
	put("email", r.Email)
	put("phone", r.Phone)
	put("phoneExtension", r.PhoneExtension)
	put("phoneText", r.PhoneText)
	put("language", string(r.Language))
	put("service", r.Service)
	put("location", r.Location)
	list("preferredDays", r.PreferredDays)
	list("preferredTimes", r.PreferredTimes)
	if r.NewPatient != nil {
		item["newPatient"] = &types.AttributeValueMemberBOOL{Value: *r.NewPatient}
	}
	put("contactMethod", r.ContactMethod)
	put("reason", r.Reason)
	// Consent is required to submit, so every stored request has it; the
	// time it was given is the time the request was made.
	put("consentedAt", r.CreatedAt.UTC().Format(timeLayout))
	// Each email's delivery state goes in this map; it exists from the
	// start so that one email's state can be set without touching another's.
	emails := map[string]types.AttributeValue{}
	for kind, d := range r.Deliveries {
		emails[string(kind)] = deliveryValue(d)
	}
	item["emails"] = &types.AttributeValueMemberM{Value: emails}
	if r.Booking != nil {
		item["booking"] = bookingValue(*r.Booking)
		item[attrAppointmentAt] = str(r.Booking.Start.UTC().Format(timeLayout))
	}
	if len(r.History) > 0 {
		item["history"] = historyValue(r.History)
	}
	item[attrExpiresAt] = number(expires.Unix())
	return item
}

// Get returns the request with the given ID.
func (s *Store) Get(ctx context.Context, id string) (appointment.Request, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      &s.table,
		Key:            requestKey(id),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return appointment.Request{}, unavailable("get request", err)
	}
	if out.Item == nil {
		return appointment.Request{}, appointment.ErrNotFound
	}
	return requestFromItem(out.Item), nil
}

func requestFromItem(item map[string]types.AttributeValue) appointment.Request {
	r := appointment.Request{
		ID:             stringAttr(item, "id"),
		Reference:      stringAttr(item, "reference"),
		Status:         appointment.Status(stringAttr(item, "status")).Normal(),
		FirstName:      stringAttr(item, "firstName"),
		LastName:       stringAttr(item, "lastName"),
		Email:          stringAttr(item, "email"),
		Phone:          stringAttr(item, "phone"),
		PhoneExtension: stringAttr(item, "phoneExtension"),
		PhoneText:      stringAttr(item, "phoneText"),
		Language:       i18n.Language(stringAttr(item, "language")),
		Service:        stringAttr(item, "service"),
		Location:       stringAttr(item, "location"),
		PreferredDays:  listAttr(item, "preferredDays"),
		PreferredTimes: listAttr(item, "preferredTimes"),
		ContactMethod:  stringAttr(item, "contactMethod"),
		Reason:         stringAttr(item, "reason"),
	}
	if t, err := time.Parse(timeLayout, stringAttr(item, "createdAt")); err == nil {
		r.CreatedAt = t
	}
	r.Booking = bookingFromValue(item["booking"])
	r.History = historyFromValue(item["history"])
	if b, ok := item["newPatient"].(*types.AttributeValueMemberBOOL); ok {
		v := b.Value
		r.NewPatient = &v
	}
	if emails, ok := item["emails"].(*types.AttributeValueMemberM); ok && len(emails.Value) > 0 {
		r.Deliveries = map[appointment.EmailKind]appointment.Delivery{}
		for kind := range emails.Value {
			r.Deliveries[appointment.EmailKind(kind)] = deliveryFromItem(item, appointment.EmailKind(kind))
		}
	}
	return r
}

func stringAttr(item map[string]types.AttributeValue, name string) string {
	if s, ok := item[name].(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

func numberAttr(item map[string]types.AttributeValue, name string) (int64, bool) {
	n, ok := item[name].(*types.AttributeValueMemberN)
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseInt(n.Value, 10, 64)
	return v, err == nil
}

func listAttr(item map[string]types.AttributeValue, name string) []string {
	l, ok := item[name].(*types.AttributeValueMemberL)
	if !ok {
		return nil
	}
	out := make([]string, 0, len(l.Value))
	for _, v := range l.Value {
		if s, ok := v.(*types.AttributeValueMemberS); ok {
			out = append(out, s.Value)
		}
	}
	return out
}
