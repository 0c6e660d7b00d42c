// Package submitfn builds the SubmitFunction's handler, httpapi.Handler,
// from its configuration: on AWS with OnAWS, and with the stores of the
// local server through New.
package submitfn

import (
	"context"
	"crypto/rand"
	"log/slog"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"example.com/appointments/internal/awsenv"
	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/config"
	"example.com/appointments/internal/dynamo"
	"example.com/appointments/internal/httpapi"
	"example.com/appointments/internal/libphonenumber"
	"example.com/appointments/internal/metrics"
	"example.com/appointments/internal/turnstile"
	"example.com/appointments/internal/wire"
	"example.com/appointments/internal/wire/bootstrap"
)

// Adapters are what the handler stores in and checks with.
type Adapters struct {
	Store httpapi.Store
	// Key is the key clients and addresses are counted under
	// (httpapi.Config.Key).
	Key []byte
	// Challenge checks Turnstile tokens; nil checks none.
	Challenge httpapi.Challenge
}

// New returns the handler configured by c, on a's adapters.
func New(c config.Submit, a Adapters, profile *clinic.Profile, log *slog.Logger, m httpapi.Metrics) (*httpapi.Handler, error) {
	if err := c.Limits.Check(); err != nil {
		return nil, err
	}
	if err := libphonenumber.CheckRegion(profile.DefaultRegion); err != nil {
		return nil, err
	}
	return httpapi.New(httpapi.Config{
		AllowedOrigins: c.AllowedOrigins,
		ThankYouURL:    c.ThankYouURL,
		Accepted:       c.Limits.Accepted,
		Attempts:       c.Limits.Attempts,
		PerAddress:     c.Limits.PerAddress,
		Key:            a.Key,
		Challenge:      a.Challenge,
		Phones:         libphonenumber.Reader{},
	}, profile, a.Store, log, m)
}

// Challenge returns the verifier of Turnstile tokens with secret, checked
// at siteverify (turnstile.SiteverifyURL but in tests), or nil when there
// is no secret. The widget is trusted only where the form may be posted
// from, so the hosts of origins are the ones whose tokens it accepts.
func Challenge(secret string, origins []string, siteverify string) (httpapi.Challenge, error) {
	if secret == "" {
		return nil, nil
	}
	v, err := turnstile.New(secret, origins, siteverify)
	if err != nil {
		return nil, err
	}
	return v, nil
}

// Function is the SubmitFunction as its main starts it: its settings read
// with config.ReadSubmit, its handler built on AWS with OnAWS.
var Function = bootstrap.New("submit", config.ReadSubmit, OnAWS, func(h *httpapi.Handler) any { return h.Handle })

// OnAWS returns the handler configured by c on DynamoDB, with its secrets
// from Secrets Manager.
func OnAWS(ctx context.Context, c config.Submit, awsCfg aws.Config, log *slog.Logger) (*httpapi.Handler, error) {
	// A patient is waiting: a few quick tries, then 503 and Retry-After.
	awsenv.WithQuickRetries()(&awsCfg)
	// The secrets are read once, here, so that no request waits on Secrets
	// Manager. Both reads start now, so that a cold start waits for one
	// round trip rather than two, and the rest of the set-up runs while
	// they are on the network.
	secrets := secretsmanager.NewFromConfig(awsCfg)
	hashingSecret := wire.StartSecret(ctx, secrets, c.HashingKeySecretARN)
	turnstileSecret := wire.StartSecret(ctx, secrets, c.TurnstileSecretARN)

	profile, err := clinic.Default()
	if err != nil {
		return nil, err
	}
	store := dynamo.New(dynamodb.NewFromConfig(awsCfg), c.Table, c.RetentionDays)
	key, err := hashingKey(hashingSecret, log)
	if err != nil {
		return nil, err
	}
	var secret string
	if turnstileSecret != nil {
		if secret, err = turnstileSecret(); err != nil {
			return nil, err
		}
	}
	challenge, err := Challenge(secret, c.AllowedOrigins, turnstile.SiteverifyURL)
	if err != nil {
		return nil, err
	}
	return New(c, Adapters{Store: store, Key: key, Challenge: challenge}, profile, log, metrics.FromConfig(os.Stdout, c.Metrics))
}

// hashingKey returns the stack's hashing key, from its secret, whose read
// was started. Without one, as under sam local, the function makes a key
// of its own: limits then hold per running instance only, which the
// warning says.
func hashingKey(secret func() (string, error), log *slog.Logger) ([]byte, error) {
	if secret == nil {
		log.Warn("HASHING_KEY_SECRET_ARN is not set; using a key of this instance's own, so rate limits hold per instance")
		key := make([]byte, 32)
		_, err := rand.Read(key)
		return key, err
	}
	s, err := secret()
	if err != nil {
		return nil, err
	}
	return []byte(s), nil
}
