package awsenv_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ses"

	"example.com/appointments/internal/awsenv"
)

// lambdaEnv is the environment Lambda gives a function, plus what the
// tests point the SDK with.
func lambdaEnv(extra map[string]string) func(string) string {
	env := map[string]string{
		"AWS_REGION":            "eu-west-1",
		"AWS_DEFAULT_REGION":    "eu-west-1",
		"AWS_ACCESS_KEY_ID":     "AKIDEXAMPLE",
		"AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
	}
	for k, v := range extra {
		if v == "" {
			delete(env, k)
		} else {
			env[k] = v
		}
	}
	return func(k string) string { return env[k] }
}

// endpoints returns the endpoint each service client built from cfg has:
// "" for the service's AWS endpoint.
func endpoints(cfg aws.Config) map[string]string {
	deref := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	return map[string]string{
		dynamodb.ServiceID:       deref(dynamodb.NewFromConfig(cfg).Options().BaseEndpoint),
		ses.ServiceID:            deref(ses.NewFromConfig(cfg).Options().BaseEndpoint),
		secretsmanager.ServiceID: deref(secretsmanager.NewFromConfig(cfg).Options().BaseEndpoint),
	}
}

func TestLoadGivesEachServiceItsEndpoint(t *testing.T) {
	const (
		global  = "http://127.0.0.1:5000"
		db      = "http://127.0.0.1:8000"
		mail    = "http://127.0.0.1:9000/ses"
		secrets = "https://secrets.example.com"
	)
	tests := []struct {
		name string
		env  map[string]string
		want map[string]string
	}{
		{"none", nil, map[string]string{"DynamoDB": "", "SES": "", "Secrets Manager": ""}},
		{"global URL", map[string]string{"AWS_ENDPOINT_URL": global},
			map[string]string{"DynamoDB": global, "SES": global, "Secrets Manager": global}},
		{"service URLs win", map[string]string{"AWS_ENDPOINT_URL": global, "AWS_ENDPOINT_URL_DYNAMODB": db, "AWS_ENDPOINT_URL_SECRETS_MANAGER": secrets},
			map[string]string{"DynamoDB": db, "SES": global, "Secrets Manager": secrets}},
		{"service URL alone", map[string]string{"AWS_ENDPOINT_URL_SES": mail},
			map[string]string{"DynamoDB": "", "SES": mail, "Secrets Manager": ""}},
		{"ignored", map[string]string{"AWS_ENDPOINT_URL": global, "AWS_ENDPOINT_URL_DYNAMODB": db, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"},
			map[string]string{"DynamoDB": "", "SES": "", "Secrets Manager": ""}},
		{"ignored in capitals", map[string]string{"AWS_ENDPOINT_URL_SES": mail, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "TRUE"},
			map[string]string{"DynamoDB": "", "SES": "", "Secrets Manager": ""}},
		{"not ignored", map[string]string{"AWS_ENDPOINT_URL": global, "AWS_ENDPOINT_URL_DYNAMODB": db, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "false"},
			map[string]string{"DynamoDB": db, "SES": global, "Secrets Manager": global}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := lambdaEnv(tt.env)
			cfg, err := awsenv.Load(getenv)
			if err != nil {
				t.Fatal(err)
			}
			got := endpoints(cfg)
			for service, want := range tt.want {
				if got[service] != want {
					t.Errorf("%s client's endpoint = %q, want %q", service, got[service], want)
				}
				var fromEndpoint string
				if p := awsenv.Endpoint(getenv, service); p != nil {
					fromEndpoint = *p
				}
				if fromEndpoint != want {
					t.Errorf("Endpoint(%q) = %q, want %q", service, fromEndpoint, want)
				}
			}
		})
	}
}

// TestClientOptionsWin: an endpoint that a client's own options set is not
// overridden by the environment's.
func TestClientOptionsWin(t *testing.T) {
	cfg, err := awsenv.Load(lambdaEnv(map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:8000"}))
	if err != nil {
		t.Fatal(err)
	}
	c := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String("http://127.0.0.1:8001") })
	if got := aws.ToString(c.Options().BaseEndpoint); got != "http://127.0.0.1:8001" {
		t.Errorf("endpoint = %q, want the client's own", got)
	}
}

func TestLoadRegion(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"AWS_REGION", map[string]string{"AWS_REGION": "eu-central-1", "AWS_DEFAULT_REGION": ""}, "eu-central-1"},
		{"AWS_REGION wins", map[string]string{"AWS_REGION": "eu-central-1", "AWS_DEFAULT_REGION": "us-west-2"}, "eu-central-1"},
		{"AWS_DEFAULT_REGION", map[string]string{"AWS_REGION": "", "AWS_DEFAULT_REGION": "us-west-2"}, "us-west-2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := awsenv.Load(lambdaEnv(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Region != tt.want {
				t.Errorf("region %q, want %q", cfg.Region, tt.want)
			}
			if got := dynamodb.NewFromConfig(cfg).Options().Region; got != tt.want {
				t.Errorf("client's region %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLoadCredentials(t *testing.T) {
	tests := []struct {
		name  string
		env   map[string]string
		token string
	}{
		{"keys", nil, ""},
		{"session token", map[string]string{"AWS_SESSION_TOKEN": "FwoGZXIvYXdzEXAMPLE"}, "FwoGZXIvYXdzEXAMPLE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := awsenv.Load(lambdaEnv(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			creds, err := cfg.Credentials.Retrieve(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if creds.AccessKeyID != "AKIDEXAMPLE" || creds.SecretAccessKey != "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" || creds.SessionToken != tt.token {
				t.Errorf("credentials %s / %s / %q, want the environment's", creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken)
			}
			if creds.Expires != (time.Time{}) || creds.CanExpire {
				t.Errorf("credentials expire at %v; the environment's do not", creds.Expires)
			}
		})
	}
}

// TestLoadRefuses: what the function cannot work without, or gets wrong,
// stops it at setup rather than on its first request.
func TestLoadRefuses(t *testing.T) {
	tests := []struct {
		name, want string
		env        map[string]string
	}{
		{"no region", "AWS_REGION", map[string]string{"AWS_REGION": "", "AWS_DEFAULT_REGION": ""}},
		{"no credentials", "AWS_ACCESS_KEY_ID", map[string]string{"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}},
		{"no key ID", "AWS_ACCESS_KEY_ID", map[string]string{"AWS_ACCESS_KEY_ID": ""}},
		{"no secret key", "AWS_SECRET_ACCESS_KEY", map[string]string{"AWS_SECRET_ACCESS_KEY": ""}},
		{"only a token", "AWS_ACCESS_KEY_ID", map[string]string{"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "t"}},
		{"ignore flag not a boolean", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", map[string]string{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "yes"}},
		{"endpoint without scheme", "AWS_ENDPOINT_URL", map[string]string{"AWS_ENDPOINT_URL": "127.0.0.1:5000"}},
		{"endpoint not http", "AWS_ENDPOINT_URL", map[string]string{"AWS_ENDPOINT_URL": "ftp://127.0.0.1:5000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := awsenv.Load(lambdaEnv(tt.env))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load(): error %v, want one naming %s", err, tt.want)
			}
		})
	}
	// The keys are secret: an error names the variables, never a value.
	_, err := awsenv.Load(lambdaEnv(map[string]string{"AWS_ACCESS_KEY_ID": ""}))
	if err != nil && strings.Contains(err.Error(), "wJalrXUtnFEMI") {
		t.Errorf("error %q shows the secret key", err)
	}
}

// TestLoadReadsNoCABundle: AWS_CA_BUNDLE is not for Lambda, so a bundle
// that does not exist neither stops Load nor changes the clients' HTTP
// client.
func TestLoadReadsNoCABundle(t *testing.T) {
	cfg, err := awsenv.Load(lambdaEnv(map[string]string{"AWS_CA_BUNDLE": "/nonexistent/ca-bundle.pem"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTPClient != nil {
		t.Errorf("HTTPClient = %T, want the SDK's default", cfg.HTTPClient)
	}
}

func TestWithRetryer(t *testing.T) {
	cfg, err := awsenv.Load(lambdaEnv(nil), awsenv.WithRetryer(func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = 7 })
	}))
	if err != nil {
		t.Fatal(err)
	}
	if got := dynamodb.NewFromConfig(cfg).Options().Retryer.MaxAttempts(); got != 7 {
		t.Errorf("client's retryer makes %d attempts, want 7", got)
	}
	// A client's own retryer still wins, as the functions' SES clients
	// rely on.
	mail := ses.NewFromConfig(cfg, func(o *ses.Options) { o.Retryer = aws.NopRetryer{} })
	if got := mail.Options().Retryer.MaxAttempts(); got != 1 {
		t.Errorf("client with its own retryer makes %d attempts, want 1", got)
	}
}

// TestWithQuickRetries: the clients of a function someone waits on try
// three times at most and never back off longer than half a second.
func TestWithQuickRetries(t *testing.T) {
	cfg, err := awsenv.Load(lambdaEnv(nil), awsenv.WithQuickRetries())
	if err != nil {
		t.Fatal(err)
	}
	r := dynamodb.NewFromConfig(cfg).Options().Retryer
	if got := r.MaxAttempts(); got != 3 {
		t.Errorf("client's retryer makes %d attempts, want 3", got)
	}
	for attempt := 1; attempt <= 10; attempt++ {
		d, err := r.RetryDelay(attempt, errors.New("throttled"))
		if err != nil || d > 500*time.Millisecond {
			t.Errorf("delay before attempt %d: %v, %v; want at most 500ms", attempt+1, d, err)
		}
	}
}

// TestRequestUnderEnvironment sends a request the way a function does: to
// the service's own endpoint rather than the global one, signed with the
// environment's keys and session token for its region, and retried as the
// retryer says.
func TestRequestUnderEnvironment(t *testing.T) {
	var requests atomic.Int32
	var auth, token atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		auth.Store(r.Header.Get("Authorization"))
		token.Store(r.Header.Get("X-Amz-Security-Token"))
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Header().Set("X-Amzn-ErrorType", "InternalServerError")
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte(`{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"try again"}`))
	}))
	defer srv.Close()
	// Nothing listens on the global endpoint: a request sent there fails
	// without reaching the server.
	unused := httptest.NewServer(http.NotFoundHandler())
	unusedURL := unused.URL
	unused.Close()

	cfg, err := awsenv.Load(lambdaEnv(map[string]string{
		"AWS_ENDPOINT_URL":          unusedURL,
		"AWS_ENDPOINT_URL_DYNAMODB": srv.URL,
		"AWS_SESSION_TOKEN":         "FwoGZXIvYXdzEXAMPLE",
	}), awsenv.WithRetryer(func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 2
			o.MaxBackoff = time.Millisecond
		})
	}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = dynamodb.NewFromConfig(cfg).ListTables(context.Background(), &dynamodb.ListTablesInput{})
	if err == nil || !strings.Contains(err.Error(), "try again") {
		t.Fatalf("ListTables: error %v, want the server's", err)
	}
	if n := requests.Load(); n != 2 {
		t.Errorf("server got %d requests, want 2 (the retryer's attempts)", n)
	}
	if a, _ := auth.Load().(string); !strings.Contains(a, "Credential=AKIDEXAMPLE/") || !strings.Contains(a, "/eu-west-1/dynamodb/aws4_request") {
		t.Errorf("Authorization %q is not signed with the environment's key for eu-west-1", a)
	}
	if tok, _ := token.Load().(string); tok != "FwoGZXIvYXdzEXAMPLE" {
		t.Errorf("X-Amz-Security-Token = %q, want the environment's session token", tok)
	}
}
