package dynamostreams

import (
	"encoding/json"
	"fmt"

	"github.com/aws/aws-lambda-go/events"
)

// Filter is a Lambda event filter: the patterns of an event source
// mapping's FilterCriteria, of which a record must match one to invoke
// the function. EventBridge rules' patterns are in the same language. It implements the part of the pattern language that
// equality filters use: nested objects whose leaves are lists of allowed
// values. A pattern using anything else (prefix, numeric, exists and so
// on) is refused when the filter is made, rather than matched wrongly.
type Filter struct {
	patterns []map[string]any
}

// NewFilter parses the patterns.
func NewFilter(patterns ...string) (*Filter, error) {
	f := &Filter{}
	for _, p := range patterns {
		var m map[string]any
		if err := json.Unmarshal([]byte(p), &m); err != nil {
			return nil, fmt.Errorf("filter pattern %s: %w", p, err)
		}
		if err := checkPattern(m); err != nil {
			return nil, fmt.Errorf("filter pattern %s: %w", p, err)
		}
		f.patterns = append(f.patterns, m)
	}
	return f, nil
}

func checkPattern(m map[string]any) error {
	for k, v := range m {
		switch v := v.(type) {
		case map[string]any:
			if err := checkPattern(v); err != nil {
				return err
			}
		case []any:
			for _, allowed := range v {
				switch allowed.(type) {
				case string, float64, bool, nil:
				default:
					return fmt.Errorf("%s: only lists of plain values are supported", k)
				}
			}
		default:
			return fmt.Errorf("%s: a pattern's leaves are lists", k)
		}
	}
	return nil
}

// Matches reports whether the record, as Lambda sees it, matches one of
// the patterns.
func (f *Filter) Matches(rec events.DynamoDBEventRecord) (bool, error) {
	b, err := json.Marshal(rec)
	if err != nil {
		return false, err
	}
	return f.MatchesJSON(b)
}

// MatchesJSON reports whether the JSON event matches one of the patterns,
// as an EventBridge rule's pattern matches the events on its bus.
func (f *Filter) MatchesJSON(event []byte) (bool, error) {
	var doc map[string]any
	if err := json.Unmarshal(event, &doc); err != nil {
		return false, err
	}
	for _, p := range f.patterns {
		if matches(p, doc) {
			return true, nil
		}
	}
	return false, nil
}

// Select returns the records that match, in order.
func (f *Filter) Select(recs []events.DynamoDBEventRecord) ([]events.DynamoDBEventRecord, error) {
	var out []events.DynamoDBEventRecord
	for _, r := range recs {
		ok, err := f.Matches(r)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, r)
		}
	}
	return out, nil
}

func matches(pattern, doc map[string]any) bool {
	for k, want := range pattern {
		got, present := doc[k]
		if !present {
			return false
		}
		switch want := want.(type) {
		case map[string]any:
			sub, ok := got.(map[string]any)
			if !ok || !matches(want, sub) {
				return false
			}
		case []any:
			// A list in the event matches when any of its values does.
			values, isList := got.([]any)
			if !isList {
				values = []any{got}
			}
			if !anyAllowed(values, want) {
				return false
			}
		}
	}
	return true
}

func anyAllowed(values, allowed []any) bool {
	for _, v := range values {
		for _, a := range allowed {
			if v == a {
				return true
			}
		}
	}
	return false
}
