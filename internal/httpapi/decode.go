package httpapi

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/problem"
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

// body returns the request body, decoding API Gateway's base64 and refusing
// bodies over MaxBodyBytes before anything else reads them.
func body(raw string, isBase64 bool) ([]byte, error) {
	if !isBase64 {
		if len(raw) > MaxBodyBytes {
			return nil, &problem.Error{Code: problem.TooLarge}
		}
		return []byte(raw), nil
	}
	if len(raw) > base64.StdEncoding.EncodedLen(MaxBodyBytes) {
		return nil, &problem.Error{Code: problem.TooLarge}
	}
	b, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return nil, malformed("form.body.base64")
	}
	if len(b) > MaxBodyBytes {
		return nil, &problem.Error{Code: problem.TooLarge}
	}
	return b, nil
}

// mediaType returns the body's media type, refusing the ones the API does
// not read and character sets other than UTF-8.
func mediaType(contentType string) (string, map[string]string, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", nil, &problem.Error{Code: problem.UnsupportedMediaType}
	}
	if !slices.Contains([]string{mediaJSON, mediaForm, mediaMultipart}, mt) {
		return "", nil, &problem.Error{Code: problem.UnsupportedMediaType}
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return "", nil, &problem.Error{Code: problem.UnsupportedMediaType}
	}
	return mt, params, nil
}

// malformed is the problem of a body that cannot be read as a form. What
// it says is its one field error, about the body, whose message the
// catalog's key names so that it can be said in the request's language;
// its Detail, the English, is what the log's error shows.
func malformed(key string, args ...string) *problem.Error {
	fe := appointment.NewFieldError("body", problem.Malformed, key, args...)
	return &problem.Error{Code: problem.Malformed, Detail: fe.Message, Fields: []appointment.FieldError{fe}}
}

// Problems of bodies that cannot be read, made once: nothing changes
// them after.
var (
	errNotObject = malformed("form.body.not_object")
	errMultipart = malformed("form.body.multipart")
)

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
			return nil, nil, malformed("form.body.form_data")
		}
		return known(values), nil, nil
	case mediaMultipart:
		f, err := decodeMultipart(params["boundary"], b)
		return f, nil, err
	}
	return nil, nil, &problem.Error{Code: problem.UnsupportedMediaType}
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
// is a field that cannot be read. A decoder of whole values would keep the
// last of two keys and turn broken bytes into U+FFFD, so the object is read
// token by token, with jsontext, which hands out each value's raw bytes.
//
// The body is copied into one string, and a value written without escapes
// is a part of that string, so that reading a form allocates about once per
// field rather than several times.
func decodeJSON(b []byte) (appointment.Form, []appointment.FieldError, error) {
	text := string(b)
	src := strings.NewReader(text)
	dec := jsonDecoders.Get().(*jsontext.Decoder)
	dec.Reset(src, jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	defer func() {
		dec.Reset(emptyReader)
		jsonDecoders.Put(dec)
	}()
	// One array holds the values of every field, each field's a part of it.
	values := make([]string, 0, 2*len(appointment.Fields))
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return nil, nil, errNotObject
	}
	// The fields in the order they first appear, which is the order of
	// their errors.
	fields := make([]jsonField, 0, len(appointment.Fields)+1)
	for dec.PeekKind() != '}' {
		rawName, err := dec.ReadValue()
		if err != nil || rawName.Kind() != '"' {
			return nil, nil, errNotObject
		}
		name, known := knownName(rawName)
		if !known {
			unknown := name
			if _, err := dec.ReadValue(); err != nil {
				return nil, nil, errNotObject
			}
			return nil, nil, malformed("form.body.unknown_field", strconv.Quote(truncate(strings.ToValidUTF8(unknown, "?"), 40)))
		}
		var (
			fieldValues []string
			verr        error
		)
		values, fieldValues, verr = jsonValues(dec, text, appointment.IsList(name), values)
		if verr == errJSONSyntax {
			return nil, nil, errNotObject
		}
		k := slices.IndexFunc(fields, func(f jsonField) bool { return f.name == name })
		if k < 0 {
			fields = append(fields, jsonField{name: name, values: fieldValues, err: verr})
		} else {
			fields[k].repeated = true
		}
	}
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '}' {
		return nil, nil, errNotObject
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		return nil, nil, malformed("form.body.trailing")
	}

	f := make(appointment.Form, len(fields))
	var errs []appointment.FieldError
	for _, fl := range fields {
		switch {
		case fl.repeated:
			errs = append(errs, appointment.NewFieldError(fl.name, appointment.CodeAmbiguous, "form.body.twice"))
		case fl.err == errJSONText:
			errs = append(errs, appointment.NewFieldError(fl.name, appointment.CodeInvalid, "form.body.unreadable"))
		case fl.err != nil:
			errs = append(errs, appointment.NewFieldError(fl.name, appointment.CodeInvalid, "form.body.type"))
		case fl.values != nil:
			f[fl.name] = fl.values
		}
	}
	return f, errs, nil
}

// jsonField is one field of a JSON body as read: its values, or why they
// cannot be used, and whether the field was given more than once.
type jsonField struct {
	name     string
	values   []string
	err      error
	repeated bool
}

var (
	errJSONType = errors.New("unexpected JSON type")
	// errJSONText is a string that is not valid UTF-8, or that escapes a
	// lone surrogate: either would reach the form as U+FFFD.
	errJSONText = errors.New("unreadable JSON text")
	// errJSONSyntax is a body that is not JSON at all.
	errJSONSyntax = errors.New("malformed JSON")
)

// jsonDecoders keeps decoders, and the buffers they have grown, between
// requests.
var jsonDecoders = sync.Pool{New: func() any { return jsontext.NewDecoder(emptyReader) }}

var emptyReader = strings.NewReader("")

// knownName returns the name a raw JSON object name stands for, and whether
// it is one of the form's fields or the challenge token, without allocating
// for a known name written without escapes.
func knownName(raw jsontext.Value) (string, bool) {
	var name string
	if bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
		unquoted := raw[1 : len(raw)-1]
		if string(unquoted) == fieldChallenge {
			return fieldChallenge, true
		}
		if i := slices.IndexFunc(appointment.Fields, func(f string) bool { return string(unquoted) == f }); i >= 0 {
			return appointment.Fields[i], true
		}
		name = string(unquoted)
	} else {
		b, _ := jsontext.AppendUnquote(nil, raw)
		name = string(b)
	}
	return name, isKnown(name)
}

// jsonValues reads the next JSON value into form values: a string or
// boolean is one value, null is none, and an array of strings is a list
// where the field takes one. The values are appended to all, and the
// field's are returned as their own part of it. It returns errJSONSyntax
// when the body stops being JSON, and errJSONText or errJSONType for a
// value the field cannot take, having read past it.
func jsonValues(dec *jsontext.Decoder, text string, list bool, all []string) (_, values []string, _ error) {
	start := len(all)
	field := func() []string { return all[start:len(all):len(all)] }
	if !list || dec.PeekKind() != '[' {
		raw, err := dec.ReadValue()
		if err != nil {
			return all, nil, errJSONSyntax
		}
		if !utf8.Valid(raw) {
			return all, nil, errJSONText
		}
		switch raw.Kind() {
		case 'n':
			return all, nil, nil
		case 't':
			all = append(all, "true")
			return all, field(), nil
		case 'f':
			all = append(all, "false")
			return all, field(), nil
		case '"':
			s, err := jsonString(raw, text, dec.InputOffset())
			if err != nil {
				return all, nil, err
			}
			all = append(all, s)
			return all, field(), nil
		}
		return all, nil, errJSONType
	}
	if _, err := dec.ReadToken(); err != nil {
		return all, nil, errJSONSyntax
	}
	var first error // the first element the list cannot take
	unreadable := false
	for dec.PeekKind() != ']' {
		raw, err := dec.ReadValue()
		if err != nil {
			return all[:start], nil, errJSONSyntax
		}
		if !utf8.Valid(raw) {
			unreadable = true
			continue
		}
		if first != nil {
			continue
		}
		if raw.Kind() != '"' {
			first = errJSONType
			continue
		}
		s, err := jsonString(raw, text, dec.InputOffset())
		if err != nil {
			first = err
			continue
		}
		all = append(all, s)
	}
	if _, err := dec.ReadToken(); err != nil {
		return all[:start], nil, errJSONSyntax
	}
	switch {
	case unreadable:
		return all[:start], nil, errJSONText
	case first != nil:
		return all[:start], nil, first
	}
	if len(all) == start {
		// An empty list is a field given with no values.
		return all, []string{}, nil
	}
	return all, field(), nil
}

// jsonString returns the string a raw JSON string stands for. A string
// without escapes is the part of text it was read from (end is the offset
// just past it); one with escapes is unquoted. Either is refused when it
// holds U+FFFD, the mark of text that could not be read.
func jsonString(raw jsontext.Value, text string, end int64) (string, error) {
	var s string
	if bytes.IndexByte(raw, '\\') < 0 {
		s = text[int(end)-len(raw)+1 : int(end)-1]
	} else {
		b, err := jsontext.AppendUnquote(nil, raw)
		if err != nil {
			return "", errJSONText
		}
		s = string(b)
	}
	if strings.ContainsRune(s, utf8.RuneError) {
		return "", errJSONText
	}
	return s, nil
}

func decodeMultipart(boundary string, b []byte) (appointment.Form, error) {
	if boundary == "" {
		return nil, malformed("form.body.no_boundary")
	}
	r := multipart.NewReader(bytes.NewReader(b), boundary)
	values := map[string][]string{}
	for {
		part, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, errMultipart
		}
		name := part.FormName()
		// Uploaded files are not part of the form; they are skipped unread.
		if name == "" || part.FileName() != "" {
			continue
		}
		v, err := io.ReadAll(part)
		if err != nil {
			return nil, errMultipart
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
