// Package digestfn builds the DigestFunction's handler, digest.Handler,
// from its configuration: on AWS with OnAWS, and with the stores of the
// local server through New.
package digestfn

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	sesapi "github.com/aws/aws-sdk-go-v2/service/ses"

	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/config"
	"example.com/appointments/internal/digest"
	"example.com/appointments/internal/dynamo"
	"example.com/appointments/internal/email"
	"example.com/appointments/internal/metrics"
	"example.com/appointments/internal/ses"
	"example.com/appointments/internal/wire"
	"example.com/appointments/internal/wire/bootstrap"
)

// New returns the handler configured by c, reading store and sending with
// sender; links makes the emails' action links (nil for none).
func New(c config.Digest, store digest.Store, sender digest.Sender, links wire.Links, profile *clinic.Profile, log *slog.Logger, m digest.Metrics) (*digest.Handler, error) {
	composer, err := email.NewComposer(profile, email.Settings{
		Sender: c.Email.Sender, FrontDesk: c.Email.FrontDesk, Links: links, StaffDetail: email.StaffDetail(c.Email.StaffDetail),
	})
	if err != nil {
		return nil, err
	}
	return digest.New(store, sender, composer, profile, log, m), nil
}

// Function is the DigestFunction as its main starts it: its settings read
// with config.ReadDigest, its handler built on AWS with OnAWS.
var Function = bootstrap.New("digest", config.ReadDigest, OnAWS, func(h *digest.Handler) any { return h.Handle })

// OnAWS returns the handler configured by c on DynamoDB and SES, with the
// action-link key from Secrets Manager.
func OnAWS(ctx context.Context, c config.Digest, awsCfg aws.Config, log *slog.Logger) (*digest.Handler, error) {
	// The emails' templates are parsed while the secret is read.
	go email.Prepare()
	// The same links as in NotifyFunction's emails, signed with the same
	// key, so that ManageFunction takes them.
	readLinks := wire.StartEmailLinks(ctx, secretsmanager.NewFromConfig(awsCfg), c.Email.Links, log)
	profile, err := clinic.Default()
	if err != nil {
		return nil, err
	}
	links, err := readLinks()
	if err != nil {
		return nil, err
	}
	// The SES adapter never lets the SDK retry the send (a retry after an
	// answer that was lost would send the digest twice). A failed
	// invocation is retried as a whole instead, by Lambda, and sends only
	// if the day's digest is still unclaimed.
	sender := ses.New(sesapi.NewFromConfig(awsCfg), c.Email.ConfigurationSet)
	// Retention applies only when a request is created, which this
	// function never does; it reads requests and counts its days.
	store := dynamo.New(dynamodb.NewFromConfig(awsCfg), c.Table, 0)
	return New(c, store, sender, links, profile, log, metrics.FromConfig(os.Stdout, c.Metrics))
}
