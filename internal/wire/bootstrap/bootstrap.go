// Package bootstrap is what every function's main does: read its
// configuration once, load the AWS SDK's configuration from the
// environment, build the handler with the function's constructor and hand
// it to the Lambda runtime.
package bootstrap

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"

	"example.com/appointments/internal/awsenv"
)

// SetupFunc builds a function's handler from the environment read through
// getenv.
type SetupFunc[H any] func(ctx context.Context, getenv func(string) string, log *slog.Logger) (H, error)

// Setup returns the set-up of a function whose configuration read reads
// and whose constructor build builds on AWS: the configuration is read
// once, and the AWS configuration loaded once, from the environment, with
// only what internal/awsenv reads.
func Setup[C, H any](read func(getenv func(string) string) (C, error), build func(context.Context, C, aws.Config, *slog.Logger) (H, error)) SetupFunc[H] {
	return func(ctx context.Context, getenv func(string) string, log *slog.Logger) (H, error) {
		var none H
		c, err := read(getenv)
		if err != nil {
			return none, err
		}
		awsCfg, err := awsenv.Load(getenv)
		if err != nil {
			return none, fmt.Errorf("load AWS configuration: %w", err)
		}
		return build(ctx, c, awsCfg, log)
	}
}

// Run sets the function up from its environment and starts the Lambda
// runtime with the handler that handle returns, or logs why it cannot and
// exits. The log is JSON (the template's LoggingConfig) at
// AWS_LAMBDA_LOG_LEVEL, with Lambda's request ID on every entry logged
// with the invocation's context.
func Run[H any](name string, setup SetupFunc[H], handle func(H) any) {
	log := lambdacontext.NewLogger()
	h, err := setup(context.Background(), os.Getenv, log)
	if err != nil {
		log.Error(name+" function cannot start", "error", err)
		os.Exit(1)
	}
	lambda.Start(handle(h))
}
