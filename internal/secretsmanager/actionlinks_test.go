package secretsmanager

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"example.com/appointments/internal/actionlink"
	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/testing/mototest"
)

// TestActionLinks makes links with a key read from a Secrets
// Manager-compatible server, as NotifyFunction and DigestFunction do, and
// checks that the key's holder, ManageFunction, accepts them.
func TestActionLinks(t *testing.T) {
	srv := mototest.Start(t)
	c := secretsmanager.NewFromConfig(srv.AWSConfig())
	ctx := context.Background()
	const key = "a-key-of-the-stack-for-action-links-0123456789"
	created, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("links"), SecretString: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))

	links, err := ActionLinks(ctx, c, *created.ARN, "https://api.example.com/", discard)
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
	if links, err := ActionLinks(ctx, c, "", "", slog.New(slog.NewTextHandler(&log, nil))); links != nil || err != nil || !strings.Contains(log.String(), "no action links") {
		t.Errorf("without a key: links %v, %v, log %q", links != nil, err, log.String())
	}
	for _, tt := range []struct{ arn, base string }{
		{*created.ARN, ""},
		{*created.ARN, "api.example.com"},
		{*created.ARN, "ftp://api.example.com"},
		{"missing-secret", "https://api.example.com"},
	} {
		if _, err := ActionLinks(ctx, c, tt.arn, tt.base, discard); err == nil {
			t.Errorf("ActionLinks(%q, %q) succeeded, want an error", tt.arn, tt.base)
		} else if strings.Contains(err.Error(), key) {
			t.Errorf("error %q holds the key", err)
		}
	}
}
