// Command notify is the NotifyFunction: it reads the RequestsTable's stream
// and sends the patient's confirmation and the front desk's notification
// for each new request through Amazon SES.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	sesapi "github.com/aws/aws-sdk-go-v2/service/ses"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/awsenv"
	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/dynamo"
	"example.com/appointments/internal/email"
	"example.com/appointments/internal/metrics"
	"example.com/appointments/internal/notify"
	secretstore "example.com/appointments/internal/secretsmanager"
	"example.com/appointments/internal/ses"
)

func main() {
	// JSON (the template's LoggingConfig) at AWS_LAMBDA_LOG_LEVEL, with
	// Lambda's request ID on every entry logged with the invocation's context.
	log := lambdacontext.NewLogger()
	h, err := setup(context.Background(), os.Getenv, log)
	if err != nil {
		log.Error("notify function cannot start", "error", err)
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}

// setup reads the settings once and builds the handler and its clients.
func setup(ctx context.Context, getenv func(string) string, log *slog.Logger) (*notify.Handler, error) {
	// The emails' templates are parsed while the secrets are read.
	go email.Prepare()
	table := getenv("TABLE_NAME")
	if table == "" {
		return nil, fmt.Errorf("TABLE_NAME is not set")
	}
	awsCfg, err := awsenv.Load(getenv)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	// Both secrets are read at once, so that a cold start waits for one
	// round trip to Secrets Manager rather than two, and the rest of the
	// set-up runs while they are on the network.
	secrets := secretsmanager.NewFromConfig(awsCfg)
	var hashingKey func() (string, error)
	hashingARN := getenv("HASHING_KEY_SECRET_ARN")
	if hashingARN != "" {
		hashingKey = secretstore.Start(ctx, secrets, hashingARN)
	}
	actionLinks := secretstore.InBackground(func() (func(string, appointment.Action) string, error) {
		return secretstore.ActionLinks(ctx, secrets, getenv("ACTION_LINK_KEY_SECRET_ARN"), getenv("MANAGE_BASE_URL"), log)
	})
	profile, err := clinic.Default()
	if err != nil {
		return nil, err
	}
	// The hourly cap on confirmations: 0 turns it off.
	confirmationsPerHour := 200
	if s := getenv("CONFIRMATIONS_PER_HOUR"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("CONFIRMATIONS_PER_HOUR must be a whole number, not %q", s)
		}
		confirmationsPerHour = n
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

	// More tries than the SDK's default: recording that an email went out
	// must not fail on a brief hiccup, or the email is sent again once its
	// lease runs out.
	db := dynamodb.NewFromConfig(awsCfg, func(o *dynamodb.Options) {
		o.Retryer = retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 5
			o.MaxBackoff = 2 * time.Second
		})
	})
	// The SES adapter never lets the SDK retry a send (a retry after an
	// answer that was lost would send the email twice); the stream's
	// retries, guarded by each email's lease, take its place. Reading the
	// send quota is retried as usual.
	mail := sesapi.NewFromConfig(awsCfg)

	links, err := actionLinks()
	if err != nil {
		return nil, err
	}
	composer, err := email.NewComposerFromEnv(profile, getenv, links)
	if err != nil {
		return nil, err
	}

	store := dynamo.New(db, table, 0)
	// Sends are spaced at the account's maximum send rate, read with
	// GetSendQuota when first needed and every ses.QuotaRefresh after, for
	// as long as this execution environment lives; a burst of requests then
	// drains at that rate instead of being throttled and redelivered.
	pacer := ses.NewPacer(mail, log)
	h := notify.New(
		dynamo.ChangeOf,
		store,
		ses.New(mail, getenv("CONFIGURATION_SET_NAME"), ses.Paced(pacer)),
		composer,
		log,
		recorder,
	)
	if confirmationsPerHour > 0 {
		h.CapConfirmations(store, confirmationsPerHour, time.Hour)
	}
	// Addresses that complained are found by a keyed hash made with the
	// stack's hashing key, which FeedbackFunction suppresses them under.
	if hashingKey != nil {
		key, err := hashingKey()
		if err != nil {
			return nil, err
		}
		h.CheckSuppressions(store, []byte(key))
	} else {
		log.Warn("HASHING_KEY_SECRET_ARN is not set; patient emails are sent without checking for complaints")
	}
	return h, nil
}
