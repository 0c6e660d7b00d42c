// Package awsenv builds a Lambda function's AWS SDK configuration from the
// environment Lambda gives it, in place of the SDK's config.LoadDefaultConfig.
//
// On Lambda the credentials are in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
// and AWS_SESSION_TOKEN and the region in AWS_REGION, so the shared
// configuration files, profiles, SSO, STS role chains and the instance
// metadata service that LoadDefaultConfig supports are never used there, yet
// linking them makes every bootstrap larger and slower to start. Load reads
// only the variables below, and fails at once when one that is needed is
// missing or malformed rather than on the first request:
//
//   - AWS_REGION, or AWS_DEFAULT_REGION when it is not set;
//   - AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN and
//     AWS_ACCOUNT_ID, as the SDK's environment credentials read them;
//   - AWS_ENDPOINT_URL, the endpoint of every service, and
//     AWS_ENDPOINT_URL_<SERVICE>, that of one service, which wins over it;
//     <SERVICE> is the service's SDK ID upper-cased with its spaces made
//     underscores (AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_SES,
//     AWS_ENDPOINT_URL_SECRETS_MANAGER);
//   - AWS_IGNORE_CONFIGURED_ENDPOINT_URLS, which when true makes both
//     endpoint variables ignored.
//
// Credentials from the container credentials endpoint
// (AWS_CONTAINER_CREDENTIALS_FULL_URI) are not supported: Lambda's Go runtime
// does not use them. Neither is AWS_CA_BUNDLE: the clients trust the system's
// roots, which on Lambda are the ones AWS's endpoints need.
package awsenv

import (
	"fmt"
	"net/url"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go/logging"
)

// CredentialsSource is the Source of the credentials Load provides; it is
// the name the SDK's own environment credentials carry.
const CredentialsSource = "EnvConfigCredentials"

// Option changes the configuration Load returns.
type Option func(*aws.Config)

// WithRetryer makes newRetryer give the retryer of every client built from
// the configuration, as config.WithRetryer does. A client's own options may
// still set another.
func WithRetryer(newRetryer func() aws.Retryer) Option {
	return func(c *aws.Config) { c.Retryer = newRetryer }
}

// WithQuickRetries gives every client the retries of a function someone
// is waiting on, a patient sending the form or the front desk opening a
// page: three attempts at most, backing off half a second at most, after
// which the function answers that the service is busy rather than keep
// the person waiting.
func WithQuickRetries() Option {
	return WithRetryer(func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 3
			o.MaxBackoff = 500 * time.Millisecond
		})
	})
}

// Load returns the SDK configuration the environment read through getenv
// describes (os.Getenv on Lambda). Each service client built from it with
// the service's NewFromConfig gets its endpoint as Endpoint says.
func Load(getenv func(string) string, opts ...Option) (aws.Config, error) {
	region := getenv("AWS_REGION")
	if region == "" {
		region = getenv("AWS_DEFAULT_REGION")
	}
	if region == "" {
		return aws.Config{}, fmt.Errorf("AWS_REGION is not set (nor AWS_DEFAULT_REGION): the region of the AWS services is needed")
	}

	id, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
	missing := ""
	switch {
	case id == "":
		missing = "AWS_ACCESS_KEY_ID"
	case secret == "":
		missing = "AWS_SECRET_ACCESS_KEY"
	}
	if missing != "" {
		return aws.Config{}, fmt.Errorf("%s is not set: AWS credentials are read only from the environment, where Lambda puts those of the function's role", missing)
	}

	ignore, err := ignoresEndpoints(getenv)
	if err != nil {
		return aws.Config{}, err
	}
	cfg := aws.Config{
		Region: region,
		Credentials: aws.NewCredentialsCache(credentials.StaticCredentialsProvider{
			Value: aws.Credentials{
				AccessKeyID:     id,
				SecretAccessKey: secret,
				SessionToken:    getenv("AWS_SESSION_TOKEN"),
				AccountID:       getenv("AWS_ACCOUNT_ID"),
				Source:          CredentialsSource,
			},
			Source: []aws.CredentialSource{aws.CredentialSourceEnvVars},
		}),
		// The SDK's warnings go to standard error, as with
		// LoadDefaultConfig, which Lambda sends to the function's log.
		Logger: logging.NewStandardLogger(os.Stderr),
	}
	if !ignore {
		if u := getenv("AWS_ENDPOINT_URL"); u != "" {
			if err := checkEndpoint("AWS_ENDPOINT_URL", u); err != nil {
				return aws.Config{}, err
			}
			cfg.BaseEndpoint = aws.String(u)
		}
		// A service's own endpoint is found when its client is built,
		// which is when its SDK ID is known.
		cfg.ServiceOptions = append(cfg.ServiceOptions, func(serviceID string, o any) {
			if u := Endpoint(getenv, serviceID); u != nil {
				setBaseEndpoint(o, u)
			}
		})
	}
	for _, opt := range opts {
		opt(&cfg)
	}
	return cfg, nil
}

// Endpoint returns the endpoint that the environment read through getenv
// gives the service with SDK ID serviceID (a client package's ServiceID,
// such as "DynamoDB" or "Secrets Manager"): AWS_ENDPOINT_URL_<SERVICE> if
// set, else AWS_ENDPOINT_URL, or nil, for the service's AWS endpoint, when
// neither is set or AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true.
func Endpoint(getenv func(string) string, serviceID string) *string {
	if ignore, err := ignoresEndpoints(getenv); ignore || err != nil {
		return nil
	}
	for _, name := range []string{serviceEndpointVar(serviceID), "AWS_ENDPOINT_URL"} {
		if u := getenv(name); u != "" {
			return aws.String(u)
		}
	}
	return nil
}

// serviceEndpointVar names the variable that holds the endpoint of the
// service with SDK ID serviceID.
func serviceEndpointVar(serviceID string) string {
	return "AWS_ENDPOINT_URL_" + strings.ToUpper(strings.ReplaceAll(serviceID, " ", "_"))
}

// ignoresEndpoints reads AWS_IGNORE_CONFIGURED_ENDPOINT_URLS, which, as for
// the SDK, is true or false in any case, or not set.
func ignoresEndpoints(getenv func(string) string) (bool, error) {
	const name = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"
	switch v := getenv(name); {
	case v == "", strings.EqualFold(v, "false"):
		return false, nil
	case strings.EqualFold(v, "true"):
		return true, nil
	default:
		return false, fmt.Errorf("%s must be true or false, not %q", name, v)
	}
}

// checkEndpoint refuses an endpoint that is not an absolute http or https
// URL, which the SDK would only refuse on its first request.
func checkEndpoint(name, value string) error {
	u, err := url.Parse(value)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s must be an http or https URL, not %q", name, value)
	}
	return nil
}

// setBaseEndpoint sets the BaseEndpoint field that every service client's
// Options has. ServiceOptions hands each client's Options over as an any, so
// the field is reached by name rather than through each service's type.
func setBaseEndpoint(o any, endpoint *string) {
	v := reflect.ValueOf(o)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return
	}
	f := v.Elem().FieldByName("BaseEndpoint")
	if f.IsValid() && f.CanSet() && f.Type() == reflect.TypeFor[*string]() {
		f.Set(reflect.ValueOf(endpoint))
	}
}
