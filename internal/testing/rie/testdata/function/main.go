// Command function is a small Lambda function for testing the emulator
// wrapper: what it does depends on the event.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

type event struct {
	// Env names environment variables whose values are returned.
	Env []string `json:"env"`
	// Log is written to stdout, where Lambda collects function logs.
	Log string `json:"log"`
	// Fail makes the handler return an error with this message.
	Fail string `json:"fail"`
	// Panic makes the handler panic.
	Panic bool `json:"panic"`
	// Sleep delays the answer, to outlast the function's timeout.
	Sleep string `json:"sleep"`
}

func handle(ctx context.Context, e event) (map[string]string, error) {
	if e.Log != "" {
		fmt.Println(e.Log)
	}
	if e.Sleep != "" {
		d, err := time.ParseDuration(e.Sleep)
		if err != nil {
			return nil, err
		}
		time.Sleep(d)
	}
	if e.Fail != "" {
		return nil, errors.New(e.Fail)
	}
	if e.Panic {
		panic("asked to panic")
	}
	env := map[string]string{}
	for _, k := range e.Env {
		if v, ok := os.LookupEnv(k); ok {
			env[k] = v
		}
	}
	return env, nil
}

func main() {
	lambda.Start(handle)
}
