package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/problem"
)

// referenceDecodeJSON is the straightforward reading of a JSON body with
// encoding/json, which allocates for every token and value. FuzzDecode
// holds decodeJSON to exactly its answers: the same form, the same field
// errors, and the same refusal of a body.
func referenceDecodeJSON(b []byte) (appointment.Form, []appointment.FieldError, error) {
	notObject := &problem.Error{Code: problem.Malformed, Detail: "the body is not a JSON object"}
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, nil, notObject
	}
	raw := map[string][]json.RawMessage{}
	var order []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, notObject
		}
		name, ok := tok.(string)
		if !ok {
			return nil, nil, notObject
		}
		var msg json.RawMessage
		if err := dec.Decode(&msg); err != nil {
			return nil, nil, notObject
		}
		if !isKnown(name) {
			return nil, nil, &problem.Error{Code: problem.Malformed, Detail: fmt.Sprintf("unknown field %q", truncate(strings.ToValidUTF8(name, "?"), 40))}
		}
		if _, seen := raw[name]; !seen {
			order = append(order, name)
		}
		raw[name] = append(raw[name], msg)
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, nil, notObject
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, &problem.Error{Code: problem.Malformed, Detail: "the body has data after the JSON object"}
	}

	f := appointment.Form{}
	var errs []appointment.FieldError
	for _, name := range order {
		msgs := raw[name]
		if len(msgs) > 1 {
			errs = append(errs, appointment.NewFieldError(name, appointment.CodeAmbiguous, "form.body.twice"))
			continue
		}
		values, err := referenceJSONValues(msgs[0], appointment.IsList(name))
		if errors.Is(err, errJSONText) {
			errs = append(errs, appointment.NewFieldError(name, appointment.CodeInvalid, "form.body.unreadable"))
			continue
		}
		if err != nil {
			errs = append(errs, appointment.NewFieldError(name, appointment.CodeInvalid, "form.body.type"))
			continue
		}
		if values != nil {
			f[name] = values
		}
	}
	return f, errs, nil
}

// referenceJSONValues turns one JSON value into form values: a string or
// boolean is one value, null is none, and an array of strings is a list
// where the field takes one.
func referenceJSONValues(msg json.RawMessage, list bool) ([]string, error) {
	if !utf8.Valid(msg) {
		return nil, errJSONText
	}
	var v any
	if err := json.Unmarshal(msg, &v); err != nil {
		return nil, errJSONType
	}
	switch v := v.(type) {
	case nil:
		return nil, nil
	case string:
		if strings.ContainsRune(v, utf8.RuneError) {
			return nil, errJSONText
		}
		return []string{v}, nil
	case bool:
		return []string{fmt.Sprint(v)}, nil
	case []any:
		if !list {
			return nil, errJSONType
		}
		out := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, errJSONType
			}
			if strings.ContainsRune(s, utf8.RuneError) {
				return nil, errJSONText
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, errJSONType
}
