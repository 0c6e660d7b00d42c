// Command redrive hands the stream batches that NotifyFunction gave up on
// back to it. Its dead-letter queue (NotifyDeadLetterQueueUrl) holds one
// message per failed batch, naming the batch's place in RequestsTable's
// stream, not its records; for each message, redrive reads those records
// from the stream, invokes the function with them exactly as Lambda's event
// source mapping would, and deletes the message once the function has
// settled every record. NotifyFunction records each email's state on its
// request, so a batch whose emails were partly sent before it failed sends
// only the rest.
//
// The stream keeps records for 24 hours. A message whose records are gone
// is left in the queue, and redrive prints the times between which its
// requests were written, for following them up by hand
// (docs/operations.md, "Alarms").
//
// It prints request keys, sequence numbers and outcomes, never a request's
// contents. The exit status is 0 when every message was redriven (or, with
// -dry-run, could be), 1 when a message was left in the queue or an AWS call
// failed, and 2 for bad usage. The AWS SDK's default configuration applies:
// credentials, region and AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_SQS,
// AWS_ENDPOINT_URL_DYNAMODB_STREAMS and AWS_ENDPOINT_URL_LAMBDA) from the
// environment or the shared config files.
//
// Usage:
//
//	go run ./cmd/redrive -queue <NotifyDeadLetterQueueUrl> -function <NotifyFunctionName> [-dry-run]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"example.com/appointments/internal/local/dynamostreams"
	"example.com/appointments/internal/testing/samtemplate"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("redrive", flag.ContinueOnError)
	fs.SetOutput(stderr)
	queue := fs.String("queue", "", "the dead-letter queue's URL (the stack's NotifyDeadLetterQueueUrl output)")
	function := fs.String("function", "", "the function to invoke (the stack's NotifyFunctionName output)")
	dryRun := fs.Bool("dry-run", false, "read the messages and their records and print what would be done, without invoking the function or deleting a message")
	templatePath := fs.String("template", "template.yaml", "the SAM template, for the stream's event filter")
	limit := fs.Int("limit", 100, "the most messages to handle in one run")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *queue == "" || *function == "" || *limit < 1 || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: redrive -queue <NotifyDeadLetterQueueUrl> -function <NotifyFunctionName> [-dry-run]")
		fs.PrintDefaults()
		return 2
	}

	filter, err := eventFilter(*templatePath)
	if err != nil {
		fmt.Fprintf(stderr, "redrive: %v\n", err)
		return 1
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "redrive: load AWS configuration: %v\n", err)
		return 1
	}
	r := &Redriver{
		Queue:    sqs.NewFromConfig(cfg),
		QueueURL: *queue,
		Streams:  dynamodbstreams.NewFromConfig(cfg),
		Lambda:   lambda.NewFromConfig(cfg),
		Function: *function,
		Filter:   filter,
		DryRun:   *dryRun,
		Limit:    *limit,
		Out:      stdout,
	}
	summary, err := r.Run(ctx)
	fmt.Fprintln(stdout, summary)
	if err != nil {
		fmt.Fprintf(stderr, "redrive: %v\n", err)
		return 1
	}
	if !summary.AllRedriven() {
		return 1
	}
	return 0
}

// eventFilter reads the filter of NotifyFunction's stream event from the
// template, so that a batch is rebuilt from the records Lambda passed to the
// function and not from the others between them, such as the function's
// own writes. The template is that of the deployed stack: a redrive run
// from another version's checkout may count the batch differently and then
// leaves its message alone.
func eventFilter(path string) (*dynamostreams.Filter, error) {
	template, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the template (run from the repository's root, or pass -template): %w", err)
	}
	patterns, err := samtemplate.EventFilters(template, "NotifyFunction", "RequestsStream")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(patterns) == 0 {
		return nil, errors.New(path + ": NotifyFunction's stream event has no filter")
	}
	return dynamostreams.NewFilter(patterns...)
}
