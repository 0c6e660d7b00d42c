// Package mailer builds the handler that sends a request's emails, each
// once, under a claim and a lease (notify.Handler), with its cap on patient
// emails and its check for complaints. NotifyFunction sends with it the
// emails of the table's changes, and RemindFunction the reminders; the
// local server builds it with its own store and outbox.
package mailer

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	sesapi "github.com/aws/aws-sdk-go-v2/service/ses"

	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/config"
	"example.com/appointments/internal/dynamo"
	"example.com/appointments/internal/email"
	"example.com/appointments/internal/metrics"
	"example.com/appointments/internal/notify"
	"example.com/appointments/internal/ses"
	"example.com/appointments/internal/wire"
)

// Store is what the handler records its emails in, counts the patients'
// emails with and finds suppressed addresses in.
type Store interface {
	notify.Deliveries
	notify.Counter
	notify.Suppressions
}

// Adapters are what the handler stores in and sends with.
type Adapters struct {
	Store  Store
	Sender notify.Sender
	// Links makes the emails' action links; nil, the emails carry none.
	Links wire.Links
	// HashingKey is the key suppressed addresses are found under; nil,
	// suppressions are not checked, which the warning says.
	HashingKey []byte
}

// New returns the handler configured by c, on a's adapters. Both stores'
// streams carry records shaped as DynamoDB's are.
func New(c config.Notify, a Adapters, profile *clinic.Profile, log *slog.Logger, m notify.Metrics) (*notify.Handler, error) {
	if err := c.Confirmations.Check(); err != nil {
		return nil, err
	}
	composer, err := email.NewComposer(profile, email.Settings{
		Sender: c.Email.Sender, FrontDesk: c.Email.FrontDesk, Links: a.Links, StaffDetail: email.StaffDetail(c.Email.StaffDetail),
	})
	if err != nil {
		return nil, err
	}
	h := notify.New(dynamo.ChangeOf, a.Store, a.Sender, composer, log, m)
	if c.Confirmations.On() {
		h.CapConfirmations(a.Store, c.Confirmations.Max, c.Confirmations.Window)
	}
	// Addresses that complained are found by a keyed hash made with the
	// stack's hashing key, which FeedbackFunction suppresses them under.
	if a.HashingKey != nil {
		h.CheckSuppressions(a.Store, a.HashingKey)
	} else {
		log.Warn("HASHING_KEY_SECRET_ARN is not set; patient emails are sent without checking for complaints")
	}
	return h, nil
}

// StoreOnAWS returns the RequestsTable named table, through a client that
// retries more than the SDK's default: recording that an email went out
// must not fail on a brief hiccup, or the email is sent again once its
// lease runs out.
func StoreOnAWS(awsCfg aws.Config, table string) *dynamo.Store {
	db := dynamodb.NewFromConfig(awsCfg, func(o *dynamodb.Options) {
		o.Retryer = retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 5
			o.MaxBackoff = 2 * time.Second
		})
	})
	return dynamo.New(db, table, 0)
}

// OnAWS returns the handler configured by c on store and SES, with its
// secrets from Secrets Manager.
func OnAWS(ctx context.Context, c config.Notify, store Store, awsCfg aws.Config, log *slog.Logger) (*notify.Handler, error) {
	// The emails' templates are parsed while the secrets are read.
	go email.Prepare()
	// Both secrets are read at once, so that a cold start waits for one
	// round trip to Secrets Manager rather than two, and the rest of the
	// set-up runs while they are on the network.
	secrets := secretsmanager.NewFromConfig(awsCfg)
	hashingKey := wire.StartSecret(ctx, secrets, c.HashingKeySecretARN)
	links := wire.StartEmailLinks(ctx, secrets, c.Email.Links, log)
	profile, err := clinic.Default()
	if err != nil {
		return nil, err
	}
	// The SES adapter never lets the SDK retry a send (a retry after an
	// answer that was lost would send the email twice); the stream's
	// retries, guarded by each email's lease, take its place. Reading the
	// send quota is retried as usual. Sends are spaced at the account's
	// maximum send rate, read with GetSendQuota when first needed and
	// every ses.QuotaRefresh after, for as long as this execution
	// environment lives; a burst of requests then drains at that rate
	// instead of being throttled and redelivered.
	mail := sesapi.NewFromConfig(awsCfg)
	a := Adapters{
		Store:  store,
		Sender: ses.New(mail, c.Email.ConfigurationSet, ses.Paced(ses.NewPacer(mail, log))),
	}
	if a.Links, err = links(); err != nil {
		return nil, err
	}
	if hashingKey != nil {
		key, err := hashingKey()
		if err != nil {
			return nil, err
		}
		a.HashingKey = []byte(key)
	}
	return New(c, a, profile, log, metrics.FromConfig(os.Stdout, c.Metrics))
}
