// Command submit is the SubmitFunction: it accepts the website form's
// POST /appointments through API Gateway, validates the request and stores
// it in the RequestsTable. It never sends email; the table's stream does.
package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/awsenv"
	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/dynamo"
	"example.com/appointments/internal/httpapi"
	"example.com/appointments/internal/libphonenumber"
	"example.com/appointments/internal/metrics"
	secretstore "example.com/appointments/internal/secretsmanager"
	"example.com/appointments/internal/turnstile"
)

func main() {
	// JSON (the template's LoggingConfig) at AWS_LAMBDA_LOG_LEVEL, with
	// Lambda's request ID on every entry logged with the invocation's context.
	log := lambdacontext.NewLogger()
	h, err := setup(context.Background(), os.Getenv, log)
	if err != nil {
		log.Error("submit function cannot start", "error", err)
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}

// setup reads the settings once and builds the handler and its clients.
func setup(ctx context.Context, getenv func(string) string, log *slog.Logger) (*httpapi.Handler, error) {
	table := getenv("TABLE_NAME")
	if table == "" {
		return nil, fmt.Errorf("TABLE_NAME is not set")
	}
	retention, err := wholeNumber(getenv, "RETENTION_DAYS", 365)
	if err != nil {
		return nil, err
	}
	limits := map[string]int{}
	for _, l := range []struct {
		name     string
		fallback int
	}{
		{"RATE_LIMIT_PER_HOUR", 10},
		{"ATTEMPTS_PER_HOUR", 60},
		{"REQUESTS_PER_EMAIL_PER_DAY", 3},
	} {
		n, err := wholeNumber(getenv, l.name, l.fallback)
		if err != nil {
			return nil, err
		}
		limits[l.name] = n
	}
	// A patient is waiting: a few quick tries, then 503 and Retry-After.
	awsCfg, err := awsenv.Load(getenv, awsenv.WithQuickRetries())
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}

	// The secrets are read once, here, so that no request waits on Secrets
	// Manager. Both reads start now, so that a cold start waits for one
	// round trip rather than two, and the rest of the set-up runs while
	// they are on the network.
	secrets := secretsmanager.NewFromConfig(awsCfg)
	var hashingSecret, turnstileSecret func() (string, error)
	if arn := getenv("HASHING_KEY_SECRET_ARN"); arn != "" {
		hashingSecret = secretstore.Start(ctx, secrets, arn)
	}
	if arn := getenv("TURNSTILE_SECRET_ARN"); arn != "" {
		turnstileSecret = secretstore.Start(ctx, secrets, arn)
	}

	profile, err := clinic.Default()
	if err != nil {
		return nil, err
	}
	if err := libphonenumber.CheckRegion(profile.DefaultRegion); err != nil {
		return nil, err
	}
	namespace := getenv("METRICS_NAMESPACE")
	if namespace == "" {
		namespace = "ClinicAppointments"
	}
	// Each data point names the stack, which the alarms select on, and
	// carries a level that Lambda's log filter keeps at the function's
	// level, or the filter would drop it and the alarms would go silent.
	recorder := metrics.New(os.Stdout, namespace,
		metrics.WithStack(getenv("STACK_NAME")),
		metrics.WithLogLevel(getenv("AWS_LAMBDA_LOG_LEVEL")))

	store := dynamo.New(dynamodb.NewFromConfig(awsCfg), table, retention)
	origins := httpapi.ParseOrigins(getenv("ALLOWED_ORIGINS"))

	key, err := hashingKey(hashingSecret, log)
	if err != nil {
		return nil, err
	}
	var challenge httpapi.Challenge
	if turnstileSecret != nil {
		secret, err := turnstileSecret()
		if err != nil {
			return nil, err
		}
		v, err := turnstile.New(secret, origins, turnstile.SiteverifyURL)
		if err != nil {
			return nil, err
		}
		challenge = v
	}

	return httpapi.New(httpapi.Config{
		AllowedOrigins: origins,
		ThankYouURL:    getenv("THANK_YOU_URL"),
		Accepted:       perWindow(limits["RATE_LIMIT_PER_HOUR"], time.Hour),
		Attempts:       perWindow(limits["ATTEMPTS_PER_HOUR"], time.Hour),
		PerAddress:     perWindow(limits["REQUESTS_PER_EMAIL_PER_DAY"], 24*time.Hour),
		Key:            key,
		Challenge:      challenge,
		Phones:         libphonenumber.Reader{},
	}, profile, store, log, recorder)
}

// perWindow is the limit of max events a window. These settings have
// always read 0 as "off", which httpapi.New now wants said as NoLimit.
func perWindow(max int, window time.Duration) httpapi.Limit {
	if max == 0 {
		return appointment.NoLimit
	}
	return httpapi.Limit{Max: max, Window: window}
}

// wholeNumber reads the setting name, a whole number that is zero or more,
// or returns fallback when it is empty.
func wholeNumber(getenv func(string) string, name string, fallback int) (int, error) {
	s := getenv(name)
	if s == "" {
		return fallback, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s must be a whole number, not %q", name, s)
	}
	return n, nil
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
