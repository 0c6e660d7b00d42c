// Package ses sends rendered emails through Amazon SES, sorts its failures
// into those worth trying again and those that are final, and paces sends
// to the account's maximum send rate (Pacer).
package ses

import (
	"context"
	"errors"
	"regexp"

	"github.com/aws/aws-sdk-go-v2/aws"
	sesapi "github.com/aws/aws-sdk-go-v2/service/ses"
	"github.com/aws/aws-sdk-go-v2/service/ses/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"example.com/appointments/internal/appointment"
)

// Client is the part of the SES API the sender uses.
type Client interface {
	SendRawEmail(ctx context.Context, in *sesapi.SendRawEmailInput, opts ...func(*sesapi.Options)) (*sesapi.SendRawEmailOutput, error)
}

// Sender sends raw MIME messages, always through one configuration set.
type Sender struct {
	client           Client
	configurationSet string
	pacer            *Pacer
}

// Option adjusts a Sender.
type Option func(*Sender)

// Paced makes the sender wait for its turn with p before each send, and
// back off and try again, within the context's deadline, a send that SES
// throttled for the account's sending rate.
func Paced(p *Pacer) Option {
	return func(s *Sender) { s.pacer = p }
}

// noRetries turns off the SDK's retries of a send, whatever the client was
// built with: SES may have sent a message whose answer was lost, so a retry
// by the SDK would send it twice. A send that fails is tried again only by
// the caller, behind each email's lease (the stream's retries), or by the
// paced sender for a throttled send, which SES refused without sending.
func noRetries(o *sesapi.Options) { o.Retryer = aws.NopRetryer{} }

// New returns a sender. The configuration set may be empty. Its sends are
// never retried by the SDK (noRetries), however client is configured.
func New(client Client, configurationSet string, opts ...Option) *Sender {
	s := &Sender{client: client, configurationSet: configurationSet}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Send hands SES message m and returns SES's message ID. A message about
// a request carries its identity in message tags (tags). Its errors are
// *Error when SES answered, and otherwise leave open whether the message
// went out, but for *NotStartedError from a paced sender, which never
// asked SES.
//
// A paced sender tries a message again when SES throttled it for the
// sending rate: SES answered, so the message did not go out, and the
// rate frees up within a second. It stops when the context's deadline
// leaves no time for another try, returning *NotStartedError, or after
// maxThrottleRetries, returning SES's Throttling.
func (s *Sender) Send(ctx context.Context, m appointment.Message) (string, error) {
	in := &sesapi.SendRawEmailInput{
		Source:       aws.String(m.From),
		Destinations: m.To,
		RawMessage:   &types.RawMessage{Data: m.Raw},
		Tags:         tags(m),
	}
	if s.configurationSet != "" {
		in.ConfigurationSetName = aws.String(s.configurationSet)
	}
	if s.pacer == nil {
		out, err := s.client.SendRawEmail(ctx, in, noRetries)
		if err != nil {
			return "", classify(err)
		}
		return aws.ToString(out.MessageId), nil
	}
	for retries := 0; ; retries++ {
		if err := s.pacer.Wait(ctx); err != nil {
			return "", err
		}
		out, err := s.client.SendRawEmail(ctx, in, noRetries)
		if err == nil {
			s.pacer.accepted()
			return aws.ToString(out.MessageId), nil
		}
		err = classify(err)
		if !rateExceeded(err) || retries == maxThrottleRetries {
			return "", err
		}
		pause := s.pacer.throttled(ctx)
		s.pacer.log.WarnContext(ctx, "SES throttled a send; trying again", "pause", pause.String(), "retry", retries+1)
	}
}

// tagValue is what SES allows in a message tag's value: 1 to 256 of
// these characters. The length is checked apart (validTagValue), since a
// counted repetition compiles to a program of 256 copies, which costs
// half a millisecond of every cold start.
var tagValue = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

func validTagValue(s string) bool {
	return len(s) <= 256 && tagValue.MatchString(s)
}

// tags names the email m is (appointment.TagRequest and TagEmail) in
// message tags, which SES copies into every event it publishes about the
// message, so that FeedbackFunction can find the email a bounce or
// complaint is about. Emails not about one request, such as the digest,
// carry none, nor does one whose identity SES would refuse as a tag.
func tags(m appointment.Message) []types.MessageTag {
	id, kind := m.RequestID, string(m.Kind)
	if !validTagValue(id) || !validTagValue(kind) {
		return nil
	}
	return []types.MessageTag{
		{Name: aws.String(appointment.TagRequest), Value: aws.String(id)},
		{Name: aws.String(appointment.TagEmail), Value: aws.String(kind)},
	}
}

// Error is a failure SES reported. Its text is SES's error code alone:
// SES's messages can name addresses, and errors end up in logs.
type Error struct {
	Code      string
	Message   string
	permanent bool
	err       error
}

func (e *Error) Error() string { return "ses: " + e.Code }

func (e *Error) Unwrap() error { return e.err }

// Permanent reports whether trying again cannot help: SES refused this
// message, or sending is switched off for the account or configuration set
// until someone acts.
func (e *Error) Permanent() bool { return e.permanent }

// NotSent reports that SES certainly did not send the message. Every
// failure SES answered is one.
func (e *Error) NotSent() bool { return true }

// Reason is the code and SES's message, for the record of the email.
func (e *Error) Reason() string {
	if e.Message == "" {
		return e.Code
	}
	return e.Code + ": " + e.Message
}

// permanentCodes are SES's refusals of a message that no retry overturns.
var permanentCodes = map[string]bool{
	"MessageRejected":                        true,
	"MailFromDomainNotVerified":              true,
	"MailFromDomainNotVerifiedException":     true,
	"ConfigurationSetDoesNotExist":           true,
	"ConfigurationSetDoesNotExistException":  true,
	"ConfigurationSetSendingPausedException": true,
	"AccountSendingPausedException":          true,
	"InvalidParameterValue":                  true,
}

// classify turns an SDK error into an *Error when SES answered. Anything
// else, a timeout or a broken connection, is returned as it is: the message
// may or may not have gone out.
func classify(err error) error {
	var apiErr smithy.APIError
	var resp *smithyhttp.ResponseError
	if !errors.As(err, &apiErr) || !errors.As(err, &resp) {
		return err
	}
	code := apiErr.ErrorCode()
	// Throttling, server errors and refusals such as an expired or
	// unauthorised credential are worth trying again; the last ones keep
	// failing until someone fixes the deployment, and then the retry or the
	// dead-letter queue has the email.
	return &Error{Code: code, Message: apiErr.ErrorMessage(), permanent: permanentCodes[code] && resp.HTTPStatusCode() < 500, err: err}
}
