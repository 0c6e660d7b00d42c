// Package secretsmanager reads the stack's secrets from AWS Secrets
// Manager: the key the submit function hashes clients and addresses with,
// the optional Turnstile secret, and the key the emails' action links are
// signed with. Each is read once, when a function starts, so a request
// never waits on Secrets Manager.
package secretsmanager

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// Client is the part of the Secrets Manager API the package uses.
type Client interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// Read returns the current value of the secret with the given ARN or name.
// Errors name the secret, never its value.
func Read(ctx context.Context, c Client, id string) (string, error) {
	out, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &id})
	if err != nil {
		return "", fmt.Errorf("read secret %s: %w", id, err)
	}
	if out.SecretString == nil || *out.SecretString == "" {
		return "", fmt.Errorf("read secret %s: %w", id, errors.New("the secret has no text value"))
	}
	return *out.SecretString, nil
}

// Start begins reading the secret, as Read does, and returns a function
// that waits for the read and returns what it returned, as often as it is
// called. A function starting up calls it first and does the rest of its
// set-up while the read is on the network.
func Start(ctx context.Context, c Client, id string) func() (string, error) {
	return InBackground(func() (string, error) { return Read(ctx, c, id) })
}

// InBackground runs f at once in a goroutine of its own and returns a
// function that waits for f and returns what it returned, as often as it
// is called: for set-up that reads secrets, such as Start.
func InBackground[T any](f func() (T, error)) func() (T, error) {
	type result struct {
		value T
		err   error
	}
	done := make(chan result, 1)
	go func() {
		v, err := f()
		done <- result{v, err}
	}()
	return sync.OnceValues(func() (T, error) {
		r := <-done
		return r.value, r.err
	})
}
