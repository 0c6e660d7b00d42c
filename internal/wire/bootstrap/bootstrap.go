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

// Function is one Lambda function as its main starts it: its name for the
// log, how its configuration is read, its constructor on AWS, and the
// method of its handler that the runtime calls.
type Function[C, H any] struct {
	Name   string
	Read   func(getenv func(string) string) (C, error)
	Build  func(context.Context, C, aws.Config, *slog.Logger) (H, error)
	Handle func(H) any
}

// New returns the function named name, whose configuration read reads,
// whose constructor on AWS build builds, and whose handler's method that
// the runtime calls handle returns.
func New[C, H any](name string, read func(getenv func(string) string) (C, error), build func(context.Context, C, aws.Config, *slog.Logger) (H, error), handle func(H) any) Function[C, H] {
	return Function[C, H]{Name: name, Read: read, Build: build, Handle: handle}
}

// Setup builds the function's handler from the environment read through
// getenv: the configuration is read once, and the AWS configuration loaded
// once, with only what internal/awsenv reads.
func (f Function[C, H]) Setup(ctx context.Context, getenv func(string) string, log *slog.Logger) (H, error) {
	var none H
	c, err := f.Read(getenv)
	if err != nil {
		return none, err
	}
	awsCfg, err := awsenv.Load(getenv)
	if err != nil {
		return none, fmt.Errorf("load AWS configuration: %w", err)
	}
	return f.Build(ctx, c, awsCfg, log)
}

// Run sets the function up from its environment and starts the Lambda
// runtime with its handler, or logs why it cannot and exits. The log is
// JSON (the template's LoggingConfig) at AWS_LAMBDA_LOG_LEVEL, with
// Lambda's request ID on every entry logged with the invocation's context.
func (f Function[C, H]) Run() {
	log := lambdacontext.NewLogger()
	h, err := f.Setup(context.Background(), os.Getenv, log)
	if err != nil {
		log.Error(f.Name+" function cannot start", "error", err)
		os.Exit(1)
	}
	lambda.Start(f.Handle(h))
}
