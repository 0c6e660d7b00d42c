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
