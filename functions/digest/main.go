// Command digest is the DigestFunction: on the schedule's invocation each
// weekday morning it emails the front desk the requests still open, the
// overdue ones first, read from the RequestsTable's status index.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	sesapi "github.com/aws/aws-sdk-go-v2/service/ses"

	"example.com/appointments/internal/awsenv"
	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/digest"
	"example.com/appointments/internal/dynamo"
	"example.com/appointments/internal/email"
	"example.com/appointments/internal/metrics"
	secretstore "example.com/appointments/internal/secretsmanager"
	"example.com/appointments/internal/ses"
)

func main() {
	// JSON (the template's LoggingConfig) at AWS_LAMBDA_LOG_LEVEL, with
	// Lambda's request ID on every entry logged with the invocation's context.
	log := lambdacontext.NewLogger()
	h, err := setup(context.Background(), os.Getenv, log)
	if err != nil {
		log.Error("digest function cannot start", "error", err)
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}

// setup reads the settings once and builds the handler and its clients.
func setup(ctx context.Context, getenv func(string) string, log *slog.Logger) (*digest.Handler, error) {
	// The emails' templates are parsed while the secrets are read.
	go email.Prepare()
	table := getenv("TABLE_NAME")
	if table == "" {
		return nil, fmt.Errorf("TABLE_NAME is not set")
	}
	profile, err := clinic.Default()
	if err != nil {
		return nil, err
	}
	awsCfg, err := awsenv.Load(getenv)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	// The same links as in NotifyFunction's emails, signed with the same
	// key, so that ManageFunction takes them.
	links, err := secretstore.ActionLinks(ctx, secretsmanager.NewFromConfig(awsCfg), getenv("ACTION_LINK_KEY_SECRET_ARN"), getenv("MANAGE_BASE_URL"), log)
	if err != nil {
		return nil, err
	}
	composer, err := email.NewComposerFromEnv(profile, getenv, links)
	if err != nil {
		return nil, err
	}
	namespace := getenv("METRICS_NAMESPACE")
	if namespace == "" {
		namespace = "ClinicAppointments"
	}
	// Each data point names the stack, which the alarms select on, and
	// carries a level that Lambda's log filter keeps at the function's
	// level, or the filter would drop it and the alarms would go silent.
	recorder := metrics.New(os.Stdout, namespace,
		metrics.WithStack(getenv("STACK_NAME")),
		metrics.WithLogLevel(getenv("AWS_LAMBDA_LOG_LEVEL")))

	// The SES adapter never lets the SDK retry the send (a retry after an
	// answer that was lost would send the digest twice). A failed
	// invocation is retried as a whole instead, by Lambda, and sends only
	// if the day's digest is still unclaimed.
	mail := sesapi.NewFromConfig(awsCfg)
	// Retention applies only when a request is created, which this
	// function never does; it reads requests and counts its days.
	store := dynamo.New(dynamodb.NewFromConfig(awsCfg), table, 0)
	return digest.New(store, ses.New(mail, getenv("CONFIGURATION_SET_NAME")), composer, profile, log, recorder), nil
}
