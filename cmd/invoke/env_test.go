package main

import (
	"slices"
	"strings"
	"testing"
)

const testTemplate = `
Parameters:
  Sender: {Type: String}
  Retention: {Type: Number, Default: 365}
Resources:
  Table:
    Type: AWS::DynamoDB::Table
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          TABLE_NAME: !Ref Table
          SENDER: !Ref Sender
          RETENTION: !Ref Retention
          AWS_ENDPOINT_URL: ""
`

func TestEnvironment(t *testing.T) {
	const envVars = `{
  "Parameters": {"RETENTION": 30},
  "Fn": {
    "TABLE_NAME": "local-table",
    "SENDER": "from-file@example.com",
    "UNDECLARED": "x",
    "AWS_ENDPOINT_URL": "http://host.docker.internal:5000"
  },
  "Other": {"TABLE_NAME": "not-this-one"}
}`
	tests := []struct {
		name        string
		envVars     string
		params      map[string]string
		environ     []string
		want        []string // entries that must be present
		wantAbsent  []string // variable names that must not be set
		wantWarning string
		wantErr     []string // parts of the expected error message
	}{
		{
			name:    "template, file and defaults",
			envVars: envVars,
			environ: []string{"HOME=/home/me", "AWS_PROFILE=work", "PATH=/bin"},
			want: []string{
				"TABLE_NAME=local-table",
				"SENDER=from-file@example.com",
				"RETENTION=30",
				// The file's Docker address, as seen from the host.
				"AWS_ENDPOINT_URL=http://127.0.0.1:5000",
				"AWS_LAMBDA_FUNCTION_NAME=Fn",
				// Lambda always gives credentials; placeholders stand in.
				"AWS_ACCESS_KEY_ID=local-invoke-placeholder",
				"AWS_SECRET_ACCESS_KEY=local-invoke-placeholder",
			},
			wantAbsent:  []string{"UNDECLARED", "AWS_PROFILE", "HOME", "PATH", "AWS_REGION"},
			wantWarning: "UNDECLARED",
		},
		{
			name:    "the caller's AWS settings win",
			envVars: envVars,
			environ: []string{
				"AWS_ENDPOINT_URL=http://127.0.0.1:5555",
				"AWS_ENDPOINT_URL_SES=http://127.0.0.1:6666",
				"AWS_ACCESS_KEY_ID=test",
				"AWS_SECRET_ACCESS_KEY=secret",
				"AWS_DEFAULT_REGION=eu-west-1",
			},
			want: []string{
				"AWS_ENDPOINT_URL=http://127.0.0.1:5555",
				"AWS_ENDPOINT_URL_SES=http://127.0.0.1:6666",
				"AWS_ACCESS_KEY_ID=test",
				"AWS_SECRET_ACCESS_KEY=secret",
				"AWS_REGION=eu-west-1",
				"AWS_DEFAULT_REGION=eu-west-1",
			},
			wantWarning: "UNDECLARED",
		},
		{
			name:   "parameters from flags, no file",
			params: map[string]string{"Sender": "flag@example.com", "Table": "flag-table"},
			want:   []string{"SENDER=flag@example.com", "TABLE_NAME=flag-table", "RETENTION=365", "AWS_ENDPOINT_URL="},
		},
		{
			name:    "a missing parameter is named",
			envVars: `{"Fn": {"TABLE_NAME": "t"}}`,
			wantErr: []string{"SENDER", "-param Sender=VALUE", `"Fn" block of env.json`},
		},
		{
			name:    "bad file",
			envVars: `{"Fn": {"SENDER": {"nested": true}}}`,
			wantErr: []string{"Fn.SENDER is not a string"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var file []byte
			if tt.envVars != "" {
				file = []byte(tt.envVars)
			}
			got, warnings, err := environment("Fn", []byte(testTemplate), file, "env.json", tt.params, tt.environ)
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatalf("environment() = %v, want an error", got)
				}
				for _, part := range tt.wantErr {
					if !strings.Contains(err.Error(), part) {
						t.Errorf("error %q lacks %q", err, part)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("environment() = %v, lacks %s", got, w)
				}
			}
			for _, name := range tt.wantAbsent {
				for _, kv := range got {
					if strings.HasPrefix(kv, name+"=") {
						t.Errorf("environment() sets %s", kv)
					}
				}
			}
			if tt.wantWarning != "" && !strings.Contains(strings.Join(warnings, "\n"), tt.wantWarning) {
				t.Errorf("warnings %q do not mention %s", warnings, tt.wantWarning)
			}
			if tt.wantWarning == "" && len(warnings) > 0 {
				t.Errorf("unexpected warnings %q", warnings)
			}
		})
	}
}

func TestFromDocker(t *testing.T) {
	tests := []struct{ key, value, want string }{
		{"AWS_ENDPOINT_URL", "http://host.docker.internal:5000", "http://127.0.0.1:5000"},
		{"AWS_ENDPOINT_URL_DYNAMODB", "http://host.docker.internal", "http://127.0.0.1"},
		{"AWS_ENDPOINT_URL", "http://localhost:5000", "http://localhost:5000"},
		{"AWS_ENDPOINT_URL", "", ""},
		{"CALLBACK", "http://host.docker.internal:5000", "http://host.docker.internal:5000"},
	}
	for _, tt := range tests {
		if got := fromDocker(tt.key, tt.value); got != tt.want {
			t.Errorf("fromDocker(%s, %q) = %q, want %q", tt.key, tt.value, got, tt.want)
		}
	}
}
