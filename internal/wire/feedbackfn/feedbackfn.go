// Package feedbackfn builds the FeedbackFunction's handler,
// feedback.Handler, from its configuration: on AWS with OnAWS, and with
// the stores of the local server through New.
package feedbackfn

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"example.com/appointments/internal/config"
	"example.com/appointments/internal/dynamo"
	"example.com/appointments/internal/feedback"
	"example.com/appointments/internal/metrics"
	secretstore "example.com/appointments/internal/secretsmanager"
	"example.com/appointments/internal/wire/bootstrap"
)

// New returns the handler, recording in store and suppressing addresses
// under a keyed hash made with key. Nothing else of the configuration
// reaches the handler: the table and the key's secret are the adapters'.
func New(store feedback.Store, key []byte, log *slog.Logger, m feedback.Metrics) *feedback.Handler {
	return feedback.New(store, key, log, m)
}

// Function is the FeedbackFunction as its main starts it: its settings read
// with config.ReadFeedback, its handler built on AWS with OnAWS.
var Function = bootstrap.New("feedback", config.ReadFeedback, OnAWS, func(h *feedback.Handler) any { return h.Handle })

// OnAWS returns the handler configured by c on DynamoDB, with the hashing
// key from Secrets Manager.
func OnAWS(ctx context.Context, c config.Feedback, awsCfg aws.Config, log *slog.Logger) (*feedback.Handler, error) {
	key, err := secretstore.Read(ctx, secretsmanager.NewFromConfig(awsCfg), c.HashingKeySecretARN)
	if err != nil {
		return nil, err
	}
	// Retention applies only when a request is created, which this
	// function never does.
	store := dynamo.New(dynamodb.NewFromConfig(awsCfg), c.Table, 0)
	return New(store, []byte(key), log, metrics.FromConfig(os.Stdout, c.Metrics)), nil
}
