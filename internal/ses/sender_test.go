package ses

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sesapi "github.com/aws/aws-sdk-go-v2/service/ses"

	"example.com/appointments/internal/appointment"
)

// answer is an HTTP transport that gives every call the same SES answer.
type answer struct {
	status int
	code   string
	err    error
	body   string // of the last request
}

func (a *answer) RoundTrip(req *http.Request) (*http.Response, error) {
	b, _ := io.ReadAll(req.Body)
	a.body = string(b)
	if a.err != nil {
		return nil, a.err
	}
	body := `<SendRawEmailResponse><SendRawEmailResult><MessageId>m-1</MessageId></SendRawEmailResult></SendRawEmailResponse>`
	if a.code != "" {
		body = `<ErrorResponse><Error><Type>Sender</Type><Code>` + a.code + `</Code><Message>Address jordan@example.com refused.</Message></Error></ErrorResponse>`
	}
	return &http.Response{StatusCode: a.status, Header: http.Header{"Content-Type": {"text/xml"}}, Body: io.NopCloser(strings.NewReader(body)), Request: req}, nil
}

// testMessage is an email about no single request.
var testMessage = appointment.Message{Kind: "digest", From: "appointments@example.com", To: []string{"jordan@example.com"}, Raw: []byte("raw")}

func sender(rt http.RoundTripper) *Sender {
	client := sesapi.New(sesapi.Options{
		Region:       "us-east-1",
		Credentials:  aws.AnonymousCredentials{},
		BaseEndpoint: aws.String("http://127.0.0.1:1"),
		HTTPClient:   &http.Client{Transport: rt},
		Retryer:      aws.NopRetryer{},
	})
	return New(client, "appointments")
}

// TestSendIsNeverRetried: a send that fails in a way the SDK would retry
// (a 503, a lost connection) reaches SES once, even through a client built
// with the SDK's standard retries, since SES may have sent the message.
func TestSendIsNeverRetried(t *testing.T) {
	for _, a := range []*answer{
		{status: 503, code: "ServiceUnavailable"},
		{err: errors.New("connection reset by peer")},
	} {
		counted := &countingTransport{next: a}
		client := sesapi.New(sesapi.Options{
			Region:       "us-east-1",
			Credentials:  aws.AnonymousCredentials{},
			BaseEndpoint: aws.String("http://127.0.0.1:1"),
			HTTPClient:   &http.Client{Transport: counted},
		})
		if _, err := New(client, "").Send(context.Background(), testMessage); err == nil {
			t.Fatalf("%+v: Send() succeeded", a)
		}
		if counted.calls != 1 {
			t.Errorf("%+v: SES was called %d times, want once", a, counted.calls)
		}
	}
}

// countingTransport counts the requests it passes on.
type countingTransport struct {
	next  http.RoundTripper
	calls int
}

func (c *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	c.calls++
	return c.next.RoundTrip(req)
}

func TestSend(t *testing.T) {
	a := &answer{status: 200}
	id, err := sender(a).Send(context.Background(), testMessage)
	if err != nil || id != "m-1" {
		t.Fatalf("Send() = %q, %v", id, err)
	}
	for _, want := range []string{"ConfigurationSetName=appointments", "Source=appointments%40example.com", "Destinations.member.1=jordan%40example.com"} {
		if !strings.Contains(a.body, want) {
			t.Errorf("request %s lacks %s", a.body, want)
		}
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name      string
		a         *answer
		ses       bool // an *Error
		permanent bool
	}{
		{"throttled", &answer{status: 400, code: "Throttling"}, true, false},
		{"rejected", &answer{status: 400, code: "MessageRejected"}, true, true},
		{"paused", &answer{status: 400, code: "AccountSendingPausedException"}, true, true},
		{"not authorised", &answer{status: 403, code: "AccessDenied"}, true, false},
		{"server error", &answer{status: 500, code: "InternalFailure"}, true, false},
		{"no answer", &answer{err: errors.New("connection reset")}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sender(tt.a).Send(context.Background(), testMessage)
			var e *Error
			if errors.As(err, &e) != tt.ses {
				t.Fatalf("error %v: *Error = %v, want %v", err, !tt.ses, tt.ses)
			}
			if !tt.ses {
				return
			}
			if e.Permanent() != tt.permanent || !e.NotSent() {
				t.Errorf("Permanent() = %v, NotSent() = %v", e.Permanent(), e.NotSent())
			}
			if strings.Contains(e.Error(), "jordan") {
				t.Errorf("error text %q names an address", e.Error())
			}
			if tt.a.code != "" && !strings.HasPrefix(e.Reason(), tt.a.code+": ") {
				t.Errorf("Reason() = %q", e.Reason())
			}
		})
	}
}

// TestTags: a send about a request names it and the email in message
// tags, and only with values SES accepts: up to 256 letters, digits, _
// and -, so that a key SES would refuse never fails the send.
func TestTags(t *testing.T) {
	for _, tc := range []struct {
		id   string
		want bool
	}{
		{"a", true},
		{strings.Repeat("a", 256), true},
		{strings.Repeat("a", 257), false},
		{"abc-DEF_123", true},
		{"", false},
		{"a b", false},
		{"a/b", false},
		{"é", false},
	} {
		got := tags(appointment.Message{RequestID: tc.id, Kind: appointment.EmailPatient})
		if (got != nil) != tc.want {
			t.Errorf("tags for request ID %q: %v, want tags %v", tc.id, got, tc.want)
			continue
		}
		if tc.want && (aws.ToString(got[0].Value) != tc.id || aws.ToString(got[1].Value) != string(appointment.EmailPatient)) {
			t.Errorf("tags for request ID %q: %s=%s %s=%s", tc.id, aws.ToString(got[0].Name), aws.ToString(got[0].Value), aws.ToString(got[1].Name), aws.ToString(got[1].Value))
		}
	}
	if got := tags(testMessage); got != nil {
		t.Errorf("tags of an email about no request: %v", got)
	}
}

// TestSendTagsTheMessage: the identity the message carries reaches SES as
// the message tags FeedbackFunction reads, and a message without one
// carries none.
func TestSendTagsTheMessage(t *testing.T) {
	tests := []struct {
		name string
		m    appointment.Message
		want []string
	}{
		{"about a request", appointment.Message{RequestID: "abc234", Kind: appointment.TransitionEmail(appointment.EmailBooking, 1), From: "appointments@example.com", To: []string{"jordan@example.com"}, Raw: []byte("raw")},
			[]string{"Tags.member.1.Name=request", "Tags.member.1.Value=abc234", "Tags.member.2.Name=email", "Tags.member.2.Value=booking-1"}},
		{"about no request", testMessage, nil},
	}
	for _, tt := range tests {
		a := &answer{status: 200}
		if _, err := sender(a).Send(context.Background(), tt.m); err != nil {
			t.Fatalf("%s: Send() error = %v", tt.name, err)
		}
		for _, want := range tt.want {
			if !strings.Contains(a.body, want) {
				t.Errorf("%s: request %s lacks %s", tt.name, a.body, want)
			}
		}
		if tt.want == nil && strings.Contains(a.body, "Tags.") {
			t.Errorf("%s: request %s has tags", tt.name, a.body)
		}
	}
}
