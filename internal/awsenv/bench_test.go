package awsenv_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"example.com/appointments/internal/awsenv"
)

// BenchmarkSetup measures what a function's setup spends on its AWS
// configuration, Load against the SDK's LoadDefaultConfig it replaces, both
// in the environment Lambda gives: keys and region in variables, no shared
// configuration files, no CA bundle. Each builds the clients
// SubmitFunction builds.
func BenchmarkSetup(b *testing.B) {
	dir := b.TempDir()
	env := map[string]string{
		"AWS_REGION":            "eu-west-1",
		"AWS_DEFAULT_REGION":    "eu-west-1",
		"AWS_ACCESS_KEY_ID":     "AKIDEXAMPLE",
		"AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
		"AWS_SESSION_TOKEN":     "FwoGZXIvYXdzEXAMPLE",
		// As on Lambda, the files LoadDefaultConfig looks for do not exist.
		"AWS_CONFIG_FILE":             filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
	}
	for k, v := range env {
		b.Setenv(k, v)
	}
	// A CA bundle makes LoadDefaultConfig read and parse it, which Lambda
	// never has it do; the variables are removed, not just emptied.
	for _, k := range []string{"AWS_CA_BUNDLE", "AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "SSL_CERT_FILE", "SSL_CERT_DIR"} {
		unsetenv(b, k)
	}
	clients := func(cfg aws.Config) {
		dynamodb.NewFromConfig(cfg)
		secretsmanager.NewFromConfig(cfg)
	}

	b.Run("awsenv.Load", func(b *testing.B) {
		for b.Loop() {
			cfg, err := awsenv.Load(os.Getenv)
			if err != nil {
				b.Fatal(err)
			}
			clients(cfg)
		}
	})
	b.Run("config.LoadDefaultConfig", func(b *testing.B) {
		for b.Loop() {
			cfg, err := config.LoadDefaultConfig(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			clients(cfg)
		}
	})
}

// unsetenv removes the variable k from the environment until b ends.
func unsetenv(b *testing.B, k string) {
	b.Helper()
	// Setenv restores k when b ends.
	b.Setenv(k, "")
	os.Unsetenv(k)
}
