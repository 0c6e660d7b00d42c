// Command floor is the smallest Lambda function in Go that does anything:
// it answers every event with "ok". devtools/bench measures it beside the
// real functions, so that each of their figures can be read against what
// the Go runtime and aws-lambda-go cost by themselves.
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(ctx context.Context, e json.RawMessage) (string, error) {
		return "ok", nil
	})
}
