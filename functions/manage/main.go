// Command manage is the ManageFunction: it serves the action links in the
// emails, GET and POST /manage/{action}/{token} on the same HTTP API as the
// form, through which the front desk marks a request contacted, schedules,
// reschedules or declines it and the patient cancels it.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"example.com/appointments/internal/actionlink"
	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/awsenv"
	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/dynamo"
	"example.com/appointments/internal/manage"
	secretstore "example.com/appointments/internal/secretsmanager"
)

func main() {
	// JSON (the template's LoggingConfig) at AWS_LAMBDA_LOG_LEVEL, with
	// Lambda's request ID on every entry logged with the invocation's context.
	log := lambdacontext.NewLogger()
	h, err := setup(context.Background(), os.Getenv, log)
	if err != nil {
		log.Error("manage function cannot start", "error", err)
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}

// setup reads the settings once and builds the handler and its clients.
func setup(ctx context.Context, getenv func(string) string, log *slog.Logger) (*manage.Handler, error) {
	table := getenv("TABLE_NAME")
	if table == "" {
		return nil, fmt.Errorf("TABLE_NAME is not set")
	}
	// Unlike the submit function's hashing key, the link key has no
	// stand-in of the instance's own: a link is signed by NotifyFunction
	// and may be opened on any instance of this one, so a key that only
	// one instance knows would make every link look forged.
	keyARN := getenv("ACTION_LINK_KEY_SECRET_ARN")
	if keyARN == "" {
		return nil, fmt.Errorf("ACTION_LINK_KEY_SECRET_ARN is not set: a link signed by one instance must verify on every other, so the key must come from that shared secret; a key of this instance's own would make every link invalid")
	}
	// Required, so that a misspelt or missing setting stops the function
	// rather than lifting the limit: each reschedule emails the patient.
	reschedules, err := strconv.Atoi(getenv("RESCHEDULES_PER_DAY"))
	if err != nil || reschedules < 1 {
		return nil, fmt.Errorf("RESCHEDULES_PER_DAY must be a whole number of at least 1, not %q", getenv("RESCHEDULES_PER_DAY"))
	}

	// Someone is waiting for the page: a few quick tries, then a page that
	// asks them to try again in a minute.
	awsCfg, err := awsenv.Load(getenv, awsenv.WithQuickRetries())
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}

	// Read once, here, so that no page waits on Secrets Manager; the
	// read starts first, and the rest of the set-up runs while it is on
	// the network.
	readSecret := secretstore.Start(ctx, secretsmanager.NewFromConfig(awsCfg), keyARN)
	profile, err := clinic.Default()
	if err != nil {
		return nil, err
	}
	// Retention applies only when a request is created, which this function
	// never does; it reads requests and records transitions on them.
	store := dynamo.New(dynamodb.NewFromConfig(awsCfg), table, 0)

	secret, err := readSecret()
	if err != nil {
		return nil, err
	}
	links, err := actionlink.New([]byte(secret))
	if err != nil {
		return nil, fmt.Errorf("the action link key in secret %s: %w", keyARN, err)
	}
	return manage.New(links, appointment.Rules{Profile: profile, ReschedulesPerDay: reschedules}, store, log), nil
}
