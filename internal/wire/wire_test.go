package wire

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"example.com/appointments/internal/actionlink"
	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/config"
)

// secrets answers GetSecretValue from a map of secrets by ARN.
type secrets map[string]string

func (s secrets) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	v, ok := s[*in.SecretId]
	if !ok {
		return nil, errors.New("ResourceNotFoundException")
	}
	return &secretsmanager.GetSecretValueOutput{SecretString: aws.String(v)}, nil
}

// TestStartEmailLinks makes links with the key read from the secret, and
// checks that the key's holder, ManageFunction, accepts them.
func TestStartEmailLinks(t *testing.T) {
	const key = "a-key-of-the-stack-for-action-links-0123456789"
	c := secrets{"links": key, "short": "only-sixteen-chr"}
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx := context.Background()

	links, err := StartEmailLinks(ctx, c, config.Links{KeySecretARN: "links", BaseURL: "https://api.example.com/"}, discard)()
	if err != nil {
		t.Fatal(err)
	}
	u := links("r6zxzmmvycimokgxeyepwm2yge", appointment.ActionSchedule)
	token, ok := strings.CutPrefix(u, "https://api.example.com/manage/schedule/")
	if !ok {
		t.Fatalf("link %q is not the API's schedule page", u)
	}
	signer, err := actionlink.New([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	if claims, err := signer.Verify(token, appointment.ActionSchedule, time.Now()); err != nil || claims.RequestID != "r6zxzmmvycimokgxeyepwm2yge" {
		t.Errorf("the link's token = %+v, %v", claims, err)
	}

	// Without a key, no links, and a warning.
	var log bytes.Buffer
	if links, err := StartEmailLinks(ctx, c, config.Links{}, slog.New(slog.NewTextHandler(&log, nil)))(); links != nil || err != nil || !strings.Contains(log.String(), "no action links") {
		t.Errorf("without a key: links %t, %v, log %q", links != nil, err, log.String())
	}
	// A secret that is missing or too short to sign with is an error
	// naming it, never holding its value.
	for _, arn := range []string{"short", "missing"} {
		_, err := StartEmailLinks(ctx, c, config.Links{KeySecretARN: arn, BaseURL: "https://api.example.com"}, discard)()
		if err == nil || !strings.Contains(err.Error(), arn) || strings.Contains(err.Error(), "only-sixteen") {
			t.Errorf("key %s: error %v, want one naming the secret", arn, err)
		}
	}
}

// TestStartSecret: a secret without an ARN is not read.
func TestStartSecret(t *testing.T) {
	if read := StartSecret(context.Background(), secrets{}, ""); read != nil {
		t.Error("StartSecret without an ARN returned a read")
	}
	read := StartSecret(context.Background(), secrets{"hashing": "value"}, "hashing")
	if got, err := read(); got != "value" || err != nil {
		t.Errorf("read() = %q, %v; want the secret's value", got, err)
	}
}
