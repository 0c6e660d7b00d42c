package secretsmanager

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"example.com/appointments/internal/mototest"
)

// TestReadFromSecretsManager reads a secret through a real Secrets
// Manager-compatible server, as the functions do when they start.
func TestReadFromSecretsManager(t *testing.T) {
	srv := mototest.Start(t)
	c := secretsmanager.NewFromConfig(srv.AWSConfig())
	ctx := context.Background()
	created, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name: aws.String("hashing-key"), SecretString: aws.String("k3y-value"),
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Read(ctx, c, *created.ARN)
	if err != nil || got != "k3y-value" {
		t.Errorf("Read() = %q, %v; want k3y-value", got, err)
	}
	_, err = Read(ctx, c, "missing-secret")
	if err == nil || !strings.Contains(err.Error(), "missing-secret") {
		t.Errorf("Read(missing) error = %v, want one naming the secret", err)
	}
	if _, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("binary"), SecretBinary: []byte{1, 2}}); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(ctx, c, "binary"); err == nil || strings.Contains(err.Error(), "\x01") {
		t.Errorf("Read(binary) error = %v, want one saying it has no text", err)
	}
}
