package template

import (
	"errors"
	"slices"
	"sort"
	"testing"

	"example.com/appointments/internal/config"
	"example.com/appointments/internal/testing/samtemplate"
)

// TestEnvironmentIsWhatConfigReads: each function's environment in
// template.yaml is what its configuration in internal/config reads, no
// more and no less, so that a variable the template sets is never ignored
// and one the code reads is never left to its default by mistake. The
// names read are recorded as config reads them, so the list is never
// kept by hand.
func TestEnvironmentIsWhatConfigReads(t *testing.T) {
	// Besides what config reads: the template points every function at
	// AWS_ENDPOINT_URL (empty on AWS, an emulator under sam local), which
	// internal/awsenv reads with the SDK's other variables; Lambda itself
	// sets AWS_LAMBDA_LOG_LEVEL from the template's LoggingConfig.
	const sdkEndpoint, logLevel = "AWS_ENDPOINT_URL", "AWS_LAMBDA_LOG_LEVEL"
	tests := []struct {
		function string
		read     func(getenv func(string) string) error
		// unused are variables Globals gives every function that this
		// one has no use for.
		unused []string
	}{
		{"SubmitFunction", func(g func(string) string) error { _, err := config.ReadSubmit(g); return err }, nil},
		{"NotifyFunction", func(g func(string) string) error { _, err := config.ReadNotify(g); return err }, nil},
		{"DigestFunction", func(g func(string) string) error { _, err := config.ReadDigest(g); return err }, nil},
		{"RemindFunction", func(g func(string) string) error { _, err := config.ReadRemind(g); return err }, nil},
		// ManageFunction records no metrics, so it has no use for the
		// stack's name.
		{"ManageFunction", func(g func(string) string) error { _, err := config.ReadManage(g); return err }, []string{"STACK_NAME"}},
		{"FeedbackFunction", func(g func(string) string) error { _, err := config.ReadFeedback(g); return err }, nil},
	}
	template := readTemplate(t)
	for _, tt := range tests {
		t.Run(tt.function, func(t *testing.T) {
			env, err := samtemplate.FunctionEnvironment(template, tt.function, nil, nil)
			var unresolved *samtemplate.UnresolvedError
			if err != nil && !errors.As(err, &unresolved) {
				t.Fatal(err)
			}
			set := map[string]bool{}
			for name := range env {
				set[name] = true
			}
			if unresolved != nil {
				for _, u := range unresolved.Variables {
					set[u.Variable] = true
				}
			}
			read := map[string]bool{}
			_ = tt.read(func(name string) string { read[name] = true; return "" })
			if len(read) < 2 {
				t.Fatalf("config read only %v", read)
			}
			for name := range read {
				if !set[name] && name != logLevel {
					t.Errorf("config reads %s, which template.yaml does not set for %s", name, tt.function)
				}
			}
			var extra []string
			for name := range set {
				if !read[name] && name != sdkEndpoint && !slices.Contains(tt.unused, name) {
					extra = append(extra, name)
				}
			}
			sort.Strings(extra)
			if len(extra) > 0 {
				t.Errorf("template.yaml sets %v for %s, which its configuration does not read", extra, tt.function)
			}
			if !set[sdkEndpoint] {
				t.Errorf("template.yaml does not set %s for %s", sdkEndpoint, tt.function)
			}
		})
	}
}
