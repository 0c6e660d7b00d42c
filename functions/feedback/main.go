// Command feedback is the FeedbackFunction: it receives the Delivery,
// Bounce and Complaint events that SES publishes to EventBridge for every
// email sent through the configuration set, records each on the
// email it is about, and suppresses the addresses of patients who
// complained.
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

	"example.com/appointments/internal/awsenv"
	"example.com/appointments/internal/dynamo"
	"example.com/appointments/internal/feedback"
	"example.com/appointments/internal/metrics"
	secretstore "example.com/appointments/internal/secretsmanager"
)

func main() {
	// JSON (the template's LoggingConfig) at AWS_LAMBDA_LOG_LEVEL, with
	// Lambda's request ID on every entry logged with the invocation's context.
	log := lambdacontext.NewLogger()
	h, err := setup(context.Background(), os.Getenv, log)
	if err != nil {
		log.Error("feedback function cannot start", "error", err)
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}

// setup reads the settings once and builds the handler and its clients.
func setup(ctx context.Context, getenv func(string) string, log *slog.Logger) (*feedback.Handler, error) {
	table := getenv("TABLE_NAME")
	if table == "" {
		return nil, fmt.Errorf("TABLE_NAME is not set")
	}
	arn := getenv("HASHING_KEY_SECRET_ARN")
	if arn == "" {
		// Suppression records are found by a keyed hash of the address;
		// under a key of its own, NotifyFunction would never find them.
		return nil, fmt.Errorf("HASHING_KEY_SECRET_ARN is not set")
	}
	awsCfg, err := awsenv.Load(getenv)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	key, err := secretstore.Read(ctx, secretsmanager.NewFromConfig(awsCfg), arn)
	if err != nil {
		return nil, err
	}
	namespace := getenv("METRICS_NAMESPACE")
	if namespace == "" {
		namespace = "ClinicAppointments"
	}
	// Retention applies only when a request is created, which this
	// function never does.
	store := dynamo.New(dynamodb.NewFromConfig(awsCfg), table, 0)
	// Each data point names the stack and carries a level that Lambda's
	// log filter keeps at the function's level.
	recorder := metrics.New(os.Stdout, namespace,
		metrics.WithStack(getenv("STACK_NAME")),
		metrics.WithLogLevel(getenv("AWS_LAMBDA_LOG_LEVEL")))
	return feedback.New(store, []byte(key), log, recorder), nil
}
