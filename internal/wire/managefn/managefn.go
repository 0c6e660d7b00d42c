// Package managefn builds the ManageFunction's handler, manage.Handler,
// from its configuration: on AWS with OnAWS, and with the stores of the
// local server through New.
package managefn

import (
	"context"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"example.com/appointments/internal/actionlink"
	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/awsenv"
	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/config"
	"example.com/appointments/internal/dynamo"
	"example.com/appointments/internal/manage"
	"example.com/appointments/internal/wire"
	"example.com/appointments/internal/wire/bootstrap"
)

// New returns the handler configured by c, verifying links with links and
// changing requests in store.
func New(c config.Manage, links *actionlink.Signer, store manage.Store, profile *clinic.Profile, log *slog.Logger) *manage.Handler {
	return manage.New(links, appointment.Rules{Profile: profile, ReschedulesPerDay: c.ReschedulesPerDay}, store, log)
}

// Function is the ManageFunction as its main starts it: its settings read
// with config.ReadManage, its handler built on AWS with OnAWS.
var Function = bootstrap.New("manage", config.ReadManage, OnAWS, func(h *manage.Handler) any { return h.Handle })

// OnAWS returns the handler configured by c on DynamoDB, with the link key
// from Secrets Manager.
func OnAWS(ctx context.Context, c config.Manage, awsCfg aws.Config, log *slog.Logger) (*manage.Handler, error) {
	// Someone is waiting for the page: a few quick tries, then a page that
	// asks them to try again in a minute.
	awsenv.WithQuickRetries()(&awsCfg)
	// Read once, here, so that no page waits on Secrets Manager; the
	// read starts first, and the rest of the set-up runs while it is on
	// the network.
	readSigner := wire.StartSigner(ctx, secretsmanager.NewFromConfig(awsCfg), c.LinkKeySecretARN)
	profile, err := clinic.Default()
	if err != nil {
		return nil, err
	}
	// Retention applies only when a request is created, which this function
	// never does; it reads requests and records transitions on them.
	store := dynamo.New(dynamodb.NewFromConfig(awsCfg), c.Table, 0)

	links, err := readSigner()
	if err != nil {
		return nil, err
	}
	return New(c, links, store, profile, log), nil
}
