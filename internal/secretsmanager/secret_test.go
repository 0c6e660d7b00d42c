package secretsmanager

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"example.com/appointments/internal/testing/mototest"
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

// blockingClient answers GetSecretValue once release is closed, counting
// the calls.
type blockingClient struct {
	release chan struct{}
	calls   atomic.Int32
}

func (c *blockingClient) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	c.calls.Add(1)
	<-c.release
	if *in.SecretId == "missing" {
		return nil, errors.New("ResourceNotFoundException")
	}
	return &secretsmanager.GetSecretValueOutput{SecretString: aws.String("value of " + *in.SecretId)}, nil
}

// TestStart: the read is under way before anyone waits for it, and every
// wait gets its one answer, an error naming the secret included.
func TestStart(t *testing.T) {
	c := &blockingClient{release: make(chan struct{})}
	wait := Start(context.Background(), c, "hashing")
	waitMissing := Start(context.Background(), c, "missing")
	deadline := time.Now().Add(10 * time.Second)
	for c.calls.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := c.calls.Load(); n != 2 {
		t.Fatalf("%d reads started before any wait, want 2", n)
	}
	close(c.release)
	for range 2 {
		if got, err := wait(); got != "value of hashing" || err != nil {
			t.Errorf("wait() = %q, %v; want the secret's value", got, err)
		}
		if got, err := waitMissing(); got != "" || err == nil || !strings.Contains(err.Error(), "missing") {
			t.Errorf("wait() for a missing secret = %q, %v; want an error naming it", got, err)
		}
	}
	if n := c.calls.Load(); n != 2 {
		t.Errorf("%d reads, want one for each secret", n)
	}
}
