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

func TestSend(t *testing.T) {
	a := &answer{status: 200}
	id, err := sender(a).Send(context.Background(), "appointments@example.com", []string{"jordan@example.com"}, []byte("raw"))
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
			_, err := sender(tt.a).Send(context.Background(), "appointments@example.com", []string{"jordan@example.com"}, []byte("raw"))
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
