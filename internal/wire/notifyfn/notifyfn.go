// Package notifyfn builds the NotifyFunction's handler, notify.Handler,
// from its configuration on AWS; the handler itself, which RemindFunction
// and the local server build too, is made by mailer.
package notifyfn

import (
	"context"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"

	"example.com/appointments/internal/config"
	"example.com/appointments/internal/notify"
	"example.com/appointments/internal/wire/bootstrap"
	"example.com/appointments/internal/wire/mailer"
)

// Function is the NotifyFunction as its main starts it: its settings read
// with config.ReadNotify, its handler built on AWS with OnAWS.
var Function = bootstrap.New("notify", config.ReadNotify, OnAWS, func(h *notify.Handler) any { return h.Handle })

// OnAWS returns the handler configured by c on DynamoDB and SES, with its
// secrets from Secrets Manager.
func OnAWS(ctx context.Context, c config.Notify, awsCfg aws.Config, log *slog.Logger) (*notify.Handler, error) {
	return mailer.OnAWS(ctx, c, mailer.StoreOnAWS(awsCfg, c.Table), awsCfg, log)
}
