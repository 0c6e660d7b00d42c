package dynamo

import (
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"example.com/appointments/internal/appointment"
)

// IsRequest reports whether a stream image is of an appointment request,
// as opposed to the table's other records.
func IsRequest(image map[string]events.DynamoDBAttributeValue) bool {
	t, ok := image["type"]
	return ok && t.DataType() == events.DataTypeString && t.String() == "request"
}

// RequestFromImage reads an appointment request from a stream record's
// image.
func RequestFromImage(image map[string]events.DynamoDBAttributeValue) (appointment.Request, error) {
	if !IsRequest(image) {
		return appointment.Request{}, errors.New("stream image is not an appointment request")
	}
	item, err := ItemFromImage(image)
	if err != nil {
		return appointment.Request{}, err
	}
	r := requestFromItem(item)
	if r.ID == "" {
		return appointment.Request{}, errors.New("stream image has no request ID")
	}
	return r, nil
}

// ChangeOf reads the change a stream record reports, for the notify
// handler: the request before and after, each when the image is of a
// request. An image of a request that cannot be read is an error.
func ChangeOf(rec events.DynamoDBEventRecord) (appointment.Change, error) {
	c := appointment.Change{Event: map[string]appointment.ChangeEvent{
		"INSERT": appointment.ChangeCreated, "MODIFY": appointment.ChangeModified, "REMOVE": appointment.ChangeRemoved,
	}[rec.EventName]}
	for _, side := range []struct {
		image map[string]events.DynamoDBAttributeValue
		into  **appointment.Request
	}{{rec.Change.OldImage, &c.Before}, {rec.Change.NewImage, &c.After}} {
		if !IsRequest(side.image) {
			continue
		}
		r, err := RequestFromImage(side.image)
		if err != nil {
			return appointment.Change{}, err
		}
		*side.into = &r
	}
	return c, nil
}

// RequestImage is r as a stream record's image shows it, for code that
// produces stream records itself, such as the local server's embedded store.
// It round-trips through RequestFromImage.
func RequestImage(r appointment.Request, expires time.Time) map[string]events.DynamoDBAttributeValue {
	return EventImage(requestItem(r, expires))
}

// EventImage converts an item as the DynamoDB API gives it to an image as
// Lambda delivers it in a stream event.
func EventImage(item map[string]types.AttributeValue) map[string]events.DynamoDBAttributeValue {
	if item == nil {
		return nil
	}
	image := make(map[string]events.DynamoDBAttributeValue, len(item))
	for k, v := range item {
		image[k] = sdkToEvent(v)
	}
	return image
}

// sdkToEvent converts an attribute value from the SDK's form to Lambda's.
func sdkToEvent(v types.AttributeValue) events.DynamoDBAttributeValue {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return events.NewStringAttribute(v.Value)
	case *types.AttributeValueMemberN:
		return events.NewNumberAttribute(v.Value)
	case *types.AttributeValueMemberBOOL:
		return events.NewBooleanAttribute(v.Value)
	case *types.AttributeValueMemberB:
		return events.NewBinaryAttribute(v.Value)
	case *types.AttributeValueMemberSS:
		return events.NewStringSetAttribute(v.Value)
	case *types.AttributeValueMemberNS:
		return events.NewNumberSetAttribute(v.Value)
	case *types.AttributeValueMemberBS:
		return events.NewBinarySetAttribute(v.Value)
	case *types.AttributeValueMemberL:
		l := make([]events.DynamoDBAttributeValue, len(v.Value))
		for i, e := range v.Value {
			l[i] = sdkToEvent(e)
		}
		return events.NewListAttribute(l)
	case *types.AttributeValueMemberM:
		return events.NewMapAttribute(EventImage(v.Value))
	}
	return events.NewNullAttribute()
}

// ItemFromImage converts a stream record's image to an item as the
// DynamoDB API takes it.
func ItemFromImage(image map[string]events.DynamoDBAttributeValue) (map[string]types.AttributeValue, error) {
	item := make(map[string]types.AttributeValue, len(image))
	for k, v := range image {
		av, err := fromEvent(v)
		if err != nil {
			return nil, fmt.Errorf("attribute %s: %w", k, err)
		}
		item[k] = av
	}
	return item, nil
}

// fromEvent converts an attribute value as Lambda delivers it in a stream
// event to the SDK's form. Sets and binary values do not occur in requests.
func fromEvent(v events.DynamoDBAttributeValue) (types.AttributeValue, error) {
	switch v.DataType() {
	case events.DataTypeString:
		return &types.AttributeValueMemberS{Value: v.String()}, nil
	case events.DataTypeNumber:
		return &types.AttributeValueMemberN{Value: v.Number()}, nil
	case events.DataTypeBoolean:
		return &types.AttributeValueMemberBOOL{Value: v.Boolean()}, nil
	case events.DataTypeNull:
		return &types.AttributeValueMemberNULL{Value: true}, nil
	case events.DataTypeList:
		var l []types.AttributeValue
		for _, e := range v.List() {
			av, err := fromEvent(e)
			if err != nil {
				return nil, err
			}
			l = append(l, av)
		}
		return &types.AttributeValueMemberL{Value: l}, nil
	case events.DataTypeMap:
		m := map[string]types.AttributeValue{}
		for k, e := range v.Map() {
			av, err := fromEvent(e)
			if err != nil {
				return nil, err
			}
			m[k] = av
		}
		return &types.AttributeValueMemberM{Value: m}, nil
	}
	return nil, fmt.Errorf("unsupported attribute type %d", v.DataType())
}
