package httpapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"example.com/appointments/internal/appointment"
)

// MaxBodyBytes is the largest body accepted. A complete form is a few
// kilobytes; anything near this is not a patient filling in a form.
const MaxBodyBytes = 16 << 10

// Encodings a submission may use.
const (
	mediaJSON      = "application/json"
	mediaForm      = "application/x-www-form-urlencoded"
	mediaMultipart = "multipart/form-data"
)

// decodeError is what went wrong with a body before its fields could be
// read; its code is one of the problem codes.
type decodeError struct {
	code   string
	detail string
}

func (e *decodeError) Error() string { return e.code + ": " + e.detail }

// body returns the request body, decoding API Gateway's base64 and refusing
// bodies over MaxBodyBytes before anything else reads them.
func body(raw string, isBase64 bool) ([]byte, error) {
	if !isBase64 {
		if len(raw) > MaxBodyBytes {
			return nil, &decodeError{code: codeTooLarge}
		}
		return []byte(raw), nil
	}
	if len(raw) > base64.StdEncoding.EncodedLen(MaxBodyBytes) {
		return nil, &decodeError{code: codeTooLarge}
	}
	b, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return nil, &decodeError{code: codeMalformed, detail: "body is not valid base64"}
	}
	if len(b) > MaxBodyBytes {
		return nil, &decodeError{code: codeTooLarge}
	}
	return b, nil
}

// mediaType returns the body's media type, refusing the ones the API does
// not read and character sets other than UTF-8.
func mediaType(contentType string) (string, map[string]string, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", nil, &decodeError{code: codeUnsupportedMediaType}
	}
	if !slices.Contains([]string{mediaJSON, mediaForm, mediaMultipart}, mt) {
		return "", nil, &decodeError{code: codeUnsupportedMediaType}
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return "", nil, &decodeError{code: codeUnsupportedMediaType}
	}
	return mt, params, nil
}

// decode reads the body into a form. Field errors found while decoding, such
// as a number where text belongs, are returned beside the form; the fields
// they concern are left out of it.
func decode(mt string, params map[string]string, b []byte) (appointment.Form, []appointment.FieldError, error) {
	switch mt {
	case mediaJSON:
		return decodeJSON(b)
	case mediaForm:
		values, err := url.ParseQuery(string(b))
		if err != nil {
			return nil, nil, &decodeError{code: codeMalformed, detail: "the form data could not be read"}
		}
		return known(values), nil, nil
	case mediaMultipart:
		f, err := decodeMultipart(params["boundary"], b)
		return f, nil, err
	}
	return nil, nil, &decodeError{code: codeUnsupportedMediaType}
}

// known keeps only the form's own fields and the challenge token: extra
// fields a page adds, such as a CMS's hidden inputs, are ignored and never
// stored.
func known(values map[string][]string) appointment.Form {
	f := appointment.Form{}
	for name, v := range values {
		if isKnown(name) {
			f[name] = v
		}
	}
	return f
}

func isKnown(name string) bool {
	return name == fieldChallenge || slices.Contains(appointment.Fields, name)
}

// decodeJSON reads a JSON object into a form by the rules form posts follow:
// a key given twice is a field repeated, and a value that is not valid UTF-8
// is a field that cannot be read. encoding/json itself would keep the last
// of two keys and turn broken bytes into U+FFFD, so the object is read key
// by key.
func decodeJSON(b []byte) (appointment.Form, []appointment.FieldError, error) {
	notObject := &decodeError{code: codeMalformed, detail: "the body is not a JSON object"}
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
			return nil, nil, &decodeError{code: codeMalformed, detail: fmt.Sprintf("unknown field %q", truncate(strings.ToValidUTF8(name, "?"), 40))}
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
		return nil, nil, &decodeError{code: codeMalformed, detail: "the body has data after the JSON object"}
	}

	f := appointment.Form{}
	var errs []appointment.FieldError
	for _, name := range order {
		msgs := raw[name]
		if len(msgs) > 1 {
			errs = append(errs, appointment.FieldError{
				Field: name, Code: appointment.CodeAmbiguous,
				Message: "Please give this field just once.",
			})
			continue
		}
		values, err := jsonValues(msgs[0], appointment.IsList(name))
		if errors.Is(err, errJSONText) {
			errs = append(errs, appointment.FieldError{
				Field: name, Code: appointment.CodeInvalid,
				Message: "Please check this field: it contains characters we cannot read.",
			})
			continue
		}
		if err != nil {
			errs = append(errs, appointment.FieldError{
				Field: name, Code: appointment.CodeInvalid,
				Message: "Please check this field: its value is not in the expected form.",
			})
			continue
		}
		if values != nil {
			f[name] = values
		}
	}
	return f, errs, nil
}

var (
	errJSONType = errors.New("unexpected JSON type")
	// errJSONText is a string that is not valid UTF-8, or that escapes a
	// lone surrogate: either would reach the form as U+FFFD.
	errJSONText = errors.New("unreadable JSON text")
)

// jsonValues turns one JSON value into form values: a string or boolean is
// one value, null is none, and an array of strings is a list where the field
// takes one.
func jsonValues(msg json.RawMessage, list bool) ([]string, error) {
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

func decodeMultipart(boundary string, b []byte) (appointment.Form, error) {
	if boundary == "" {
		return nil, &decodeError{code: codeMalformed, detail: "the multipart body has no boundary"}
	}
	malformed := &decodeError{code: codeMalformed, detail: "the multipart body could not be read"}
	r := multipart.NewReader(bytes.NewReader(b), boundary)
	values := map[string][]string{}
	for {
		part, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, malformed
		}
		name := part.FormName()
		// Uploaded files are not part of the form; they are skipped unread.
		if name == "" || part.FileName() != "" {
			continue
		}
		v, err := io.ReadAll(part)
		if err != nil {
			return nil, malformed
		}
		values[name] = append(values[name], string(v))
	}
	return known(values), nil
}

// truncate shortens s to at most n runes.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
