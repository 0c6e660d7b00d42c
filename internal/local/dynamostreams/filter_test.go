package dynamostreams

import (
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func record(eventName string, image map[string]events.DynamoDBAttributeValue) events.DynamoDBEventRecord {
	return events.DynamoDBEventRecord{EventName: eventName, Change: events.DynamoDBStreamRecord{NewImage: image}}
}

func TestFilter(t *testing.T) {
	f, err := NewFilter(
		`{"eventName": ["INSERT"], "dynamodb": {"NewImage": {"type": {"S": ["request"]}}}}`,
		`{"eventName": ["MODIFY"], "dynamodb": {"NewImage": {"type": {"S": ["request"]}, "lastChange": {"S": ["transition"]}}}}`,
	)
	if err != nil {
		t.Fatal(err)
	}
	request := events.NewStringAttribute("request")
	for _, tt := range []struct {
		name string
		rec  events.DynamoDBEventRecord
		want bool
	}{
		{"insert of a request", record("INSERT", map[string]events.DynamoDBAttributeValue{"type": request}), true},
		{"insert of a counter", record("INSERT", map[string]events.DynamoDBAttributeValue{"type": events.NewStringAttribute("counter")}), false},
		{"insert without type", record("INSERT", map[string]events.DynamoDBAttributeValue{}), false},
		{"transition", record("MODIFY", map[string]events.DynamoDBAttributeValue{"type": request, "lastChange": events.NewStringAttribute("transition")}), true},
		{"delivery", record("MODIFY", map[string]events.DynamoDBAttributeValue{"type": request, "lastChange": events.NewStringAttribute("delivery")}), false},
		{"modify without lastChange", record("MODIFY", map[string]events.DynamoDBAttributeValue{"type": request}), false},
		{"lastChange of another type", record("MODIFY", map[string]events.DynamoDBAttributeValue{"type": request, "lastChange": events.NewNumberAttribute("1")}), false},
		{"removal", record("REMOVE", nil), false},
	} {
		got, err := f.Matches(tt.rec)
		if err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("%s: matches = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestFilterRefusesWhatItCannotMatch: patterns beyond equality are refused
// rather than matched wrongly.
func TestFilterRefusesWhatItCannotMatch(t *testing.T) {
	for _, p := range []string{
		`{"eventName": [{"prefix": "INS"}]}`,
		`{"eventName": "INSERT"}`,
		`not json`,
	} {
		if _, err := NewFilter(p); err == nil {
			t.Errorf("NewFilter(%s) succeeded", p)
		}
	}
}

// TestFilterMatchesJSON: an EventBridge pattern against events, where a
// list in the event matches when any of its values is allowed.
func TestFilterMatchesJSON(t *testing.T) {
	f, err := NewFilter(`{"source": ["aws.ses"], "detail": {"mail": {"tags": {"ses:configuration-set": ["mine"]}}}}`)
	if err != nil {
		t.Fatal(err)
	}
	for event, want := range map[string]bool{
		`{"source": "aws.ses", "detail": {"mail": {"tags": {"ses:configuration-set": ["mine"]}}}}`:          true,
		`{"source": "aws.ses", "detail": {"mail": {"tags": {"ses:configuration-set": ["other", "mine"]}}}}`: true,
		`{"source": "aws.ses", "detail": {"mail": {"tags": {"ses:configuration-set": ["other"]}}}}`:         false,
		`{"source": "aws.ses", "detail": {"mail": {"tags": {}}}}`:                                           false,
		`{"source": "aws.s3", "detail": {"mail": {"tags": {"ses:configuration-set": ["mine"]}}}}`:           false,
	} {
		got, err := f.MatchesJSON([]byte(event))
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s: matches = %v, want %v", event, got, want)
		}
	}
}
