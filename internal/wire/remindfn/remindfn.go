// Package remindfn builds the RemindFunction's handler, remind.Sweeper,
// from its configuration: on AWS with OnAWS, and with the stores of the
// local server through New.
package remindfn

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"

	"example.com/appointments/internal/config"
	"example.com/appointments/internal/metrics"
	"example.com/appointments/internal/remind"
	"example.com/appointments/internal/wire/bootstrap"
	"example.com/appointments/internal/wire/mailer"
)

// New returns the sweeper configured by c, reading store and sending with
// d, which holds the emails' claims, cap and suppressions.
func New(c config.Remind, store remind.Store, d remind.Deliverer, log *slog.Logger, m remind.Metrics) *remind.Sweeper {
	if !c.On() {
		log.Info("REMINDER_HOURS_BEFORE is 0; no reminders are sent")
	}
	return remind.New(store, d, c.Before, log, m)
}

// Function is the RemindFunction as its main starts it: its settings read
// with config.ReadRemind, its handler built on AWS with OnAWS.
var Function = bootstrap.New("remind", config.ReadRemind, OnAWS, func(s *remind.Sweeper) any { return s.Handle })

// OnAWS returns the sweeper configured by c on DynamoDB and SES, sending
// with the handler NotifyFunction sends with.
func OnAWS(ctx context.Context, c config.Remind, awsCfg aws.Config, log *slog.Logger) (*remind.Sweeper, error) {
	store := mailer.StoreOnAWS(awsCfg, c.Table)
	h, err := mailer.OnAWS(ctx, c.Notify, store, awsCfg, log)
	if err != nil {
		return nil, err
	}
	return New(c, store, h, log, metrics.FromConfig(os.Stdout, c.Metrics)), nil
}
