// Command submit is the SubmitFunction: it accepts the website form's
// POST /appointments through API Gateway, validates the request and stores
// it in the RequestsTable. It never sends email; the table's stream does.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/dynamo"
	"example.com/appointments/internal/httpapi"
	"example.com/appointments/internal/metrics"
	"example.com/appointments/internal/settings"
)

func main() {
	log := settings.Logger(os.Stdout, os.Getenv("AWS_LAMBDA_LOG_LEVEL"))
	h, err := setup(context.Background(), os.Getenv, log)
	if err != nil {
		log.Error("submit function cannot start", "error", err)
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}

// setup reads the settings once and builds the handler and its clients.
func setup(ctx context.Context, getenv func(string) string, log *slog.Logger) (*httpapi.Handler, error) {
	table := getenv("TABLE_NAME")
	if table == "" {
		return nil, fmt.Errorf("TABLE_NAME is not set")
	}
	retention, err := settings.Count("RETENTION_DAYS", getenv("RETENTION_DAYS"), 365)
	if err != nil {
		return nil, err
	}
	rateLimit, err := settings.Count("RATE_LIMIT_PER_HOUR", getenv("RATE_LIMIT_PER_HOUR"), 10)
	if err != nil {
		return nil, err
	}
	profile, err := clinic.Default()
	if err != nil {
		return nil, err
	}
	namespace := getenv("METRICS_NAMESPACE")
	if namespace == "" {
		namespace = "ClinicAppointments"
	}

	awsCfg, err := config.LoadDefaultConfig(ctx, config.WithRetryer(func() aws.Retryer {
		// A patient is waiting: a few quick tries, then 503 and Retry-After.
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 3
			o.MaxBackoff = 500 * time.Millisecond
		})
	}))
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	store := dynamo.New(dynamodb.NewFromConfig(awsCfg), table, retention)

	return httpapi.New(httpapi.Config{
		AllowedOrigins: settings.List(getenv("ALLOWED_ORIGINS")),
		ThankYouURL:    getenv("THANK_YOU_URL"),
		RateLimit:      rateLimit,
		RateWindow:     time.Hour,
	}, profile, store, log, metrics.New(os.Stdout, namespace))
}
