// Package deployconfig checks samconfig.toml, the SAM CLI's settings for
// deploying the stack, against template.yaml and against what may be
// committed. It holds tests only.
package deployconfig

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"example.com/appointments/internal/testing/lambdatest"
)

// config is samconfig.toml: its version and its environments.
type config struct {
	Version      float64
	Environments map[string]environment
}

// environment maps a command (global, build, deploy, ...) to its sections,
// of which the SAM CLI reads "parameters".
type environment map[string]map[string]map[string]any

// readConfig parses samconfig.toml with Python's tomllib (Python 3.11 and
// later), a complete TOML parser, which the machines that run make test
// have for moto; the module needs no TOML package of its own.
func readConfig(t *testing.T, path string) config {
	t.Helper()
	python, err := exec.LookPath("python3")
	if err != nil {
		if testing.Short() {
			t.Skip("needs python3 (3.11 or later) to parse samconfig.toml; runs without -short (make test)")
		}
		t.Fatalf("python3 is not on PATH (%v): apt-get install -y python3", err)
	}
	cmd := exec.Command(python, "-c", `import tomllib, json, sys; print(json.dumps(tomllib.load(open(sys.argv[1], "rb"))))`, path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("parse %s: %v\n%s", path, err, stderr.Bytes())
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	c := config{Environments: map[string]environment{}}
	for name, raw := range doc {
		if name == "version" {
			if err := json.Unmarshal(raw, &c.Version); err != nil {
				t.Fatalf("version: %v", err)
			}
			continue
		}
		var env environment
		if err := json.Unmarshal(raw, &env); err != nil {
			t.Fatalf("[%s] is not a table of commands and their parameters: %v", name, err)
		}
		c.Environments[name] = env
	}
	return c
}

// parameter returns a command's parameter in an environment, falling back
// to the environment's global parameters as the SAM CLI does.
func (c config) parameter(env, command, name string) (any, bool) {
	if v, ok := c.Environments[env][command]["parameters"][name]; ok {
		return v, true
	}
	v, ok := c.Environments[env]["global"]["parameters"][name]
	return v, ok
}

// template is what the checks need of template.yaml.
type template struct {
	transforms []string
	// parameters maps each parameter to whether it has a default.
	parameters map[string]bool
	resources  map[string]resource
}

type resource struct {
	typ        string
	properties map[string]bool
}

func readTemplate(t *testing.T) template {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(lambdatest.RepoRoot(t), "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		t.Fatal(err)
	}
	doc := root.Content[0]
	tmpl := template{parameters: map[string]bool{}, resources: map[string]resource{}}
	if tr := field(doc, "Transform"); tr != nil {
		if tr.Kind == yaml.SequenceNode {
			for _, n := range tr.Content {
				tmpl.transforms = append(tmpl.transforms, n.Value)
			}
		} else {
			tmpl.transforms = []string{tr.Value}
		}
	}
	params := field(doc, "Parameters")
	for i := 0; params != nil && i+1 < len(params.Content); i += 2 {
		tmpl.parameters[params.Content[i].Value] = field(params.Content[i+1], "Default") != nil
	}
	resources := field(doc, "Resources")
	for i := 0; resources != nil && i+1 < len(resources.Content); i += 2 {
		r := resource{properties: map[string]bool{}}
		if typ := field(resources.Content[i+1], "Type"); typ != nil {
			r.typ = typ.Value
		}
		props := field(resources.Content[i+1], "Properties")
		for j := 0; props != nil && j+1 < len(props.Content); j += 2 {
			r.properties[props.Content[j].Value] = true
		}
		tmpl.resources[resources.Content[i].Value] = r
	}
	if len(tmpl.parameters) == 0 || len(tmpl.resources) == 0 {
		t.Fatal("template.yaml has no parameters or no resources")
	}
	return tmpl
}

// field returns the value of key in a mapping node, or nil.
func field(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func configPath(t *testing.T) string {
	return filepath.Join(lambdatest.RepoRoot(t), "samconfig.toml")
}

// environments are the ones docs/deploy.md describes.
var environments = []string{"default", "staging"}

func TestEnvironments(t *testing.T) {
	c := readConfig(t, configPath(t))
	if c.Version != 0.1 {
		t.Errorf("version = %v, want 0.1, the only version the SAM CLI reads", c.Version)
	}
	stacks := map[string]string{}
	for _, env := range environments {
		if _, ok := c.Environments[env]; !ok {
			t.Errorf("no [%s] environment", env)
			continue
		}
		name, _ := c.parameter(env, "deploy", "stack_name")
		stack, _ := name.(string)
		if stack == "" {
			t.Errorf("[%s] names no stack for deploy", env)
			continue
		}
		if other, ok := stacks[stack]; ok {
			t.Errorf("[%s] and [%s] both deploy %s", env, other, stack)
		}
		stacks[stack] = env
		if v, _ := c.parameter(env, "deploy", "resolve_s3"); v != true {
			t.Errorf("[%s] deploy resolve_s3 = %v, want true, so that no bucket needs naming", env, v)
		}
		for _, cmd := range []string{"logs", "delete"} {
			if v, _ := c.parameter(env, cmd, "stack_name"); v != stack {
				t.Errorf("[%s] %s acts on stack %v, not the one deploy makes (%s)", env, cmd, v, stack)
			}
		}
	}
	// Production asks before it changes; staging does not.
	for env, want := range map[string]bool{"default": true, "staging": false} {
		if v, _ := c.parameter(env, "deploy", "confirm_changeset"); v != want {
			t.Errorf("[%s] deploy confirm_changeset = %v, want %v", env, v, want)
		}
	}
	// sam sync skips change sets: it may never target a stack that deploy
	// makes, production least of all.
	for env := range c.Environments {
		v, ok := c.parameter(env, "sync", "stack_name")
		if !ok {
			t.Errorf("[%s] names no stack for sync, which would then ask for one or take deploy's", env)
			continue
		}
		if other, ok := stacks[v.(string)]; ok {
			t.Errorf("[%s] syncs %v, the stack [%s] deploys", env, v, other)
		}
	}
}

// TestCapabilities: the capabilities acknowledged are exactly those the
// template needs. It creates unnamed IAM roles (CAPABILITY_IAM); a named
// IAM resource would need CAPABILITY_NAMED_IAM, and a macro, another
// transform or a nested stack CAPABILITY_AUTO_EXPAND.
func TestCapabilities(t *testing.T) {
	tmpl := readTemplate(t)
	if !slices.Equal(tmpl.transforms, []string{"AWS::Serverless-2016-10-31"}) {
		t.Errorf("template transforms %v: check whether deploys need CAPABILITY_AUTO_EXPAND", tmpl.transforms)
	}
	roles := 0
	for id, r := range tmpl.resources {
		switch {
		case r.typ == "AWS::IAM::Role" || r.typ == "AWS::Serverless::Function":
			roles++
		case r.typ == "AWS::Serverless::Application" || r.typ == "AWS::CloudFormation::Stack":
			t.Errorf("%s is a nested stack: deploys need CAPABILITY_AUTO_EXPAND", id)
		}
		if strings.HasPrefix(r.typ, "AWS::IAM::") {
			for _, name := range []string{"RoleName", "ManagedPolicyName", "UserName", "GroupName", "InstanceProfileName"} {
				if r.properties[name] {
					t.Errorf("%s has a %s: deploys need CAPABILITY_NAMED_IAM", id, name)
				}
			}
		}
	}
	if roles == 0 {
		t.Error("the template creates no IAM role: CAPABILITY_IAM is no longer needed")
	}

	c := readConfig(t, configPath(t))
	for _, env := range environments {
		v, _ := c.parameter(env, "deploy", "capabilities")
		var got []string
		switch v := v.(type) {
		case string:
			got = strings.Fields(v)
		case []any:
			for _, e := range v {
				s, _ := e.(string)
				got = append(got, s)
			}
		}
		if !slices.Equal(got, []string{"CAPABILITY_IAM"}) {
			t.Errorf("[%s] deploy capabilities = %v, want CAPABILITY_IAM", env, v)
		}
	}
}

// TestParameterOverrides: every parameter the file sets is one of the
// template's, and none is a parameter without a default: those are the
// clinic's own addresses, given at the first deploy and never committed.
func TestParameterOverrides(t *testing.T) {
	tmpl := readTemplate(t)
	c := readConfig(t, configPath(t))
	for env, commands := range c.Environments {
		for cmd, sections := range commands {
			v, ok := sections["parameters"]["parameter_overrides"]
			if !ok {
				continue
			}
			overrides, err := parseOverrides(v)
			if err != nil {
				t.Errorf("[%s.%s] parameter_overrides: %v", env, cmd, err)
				continue
			}
			for key := range overrides {
				hasDefault, ok := tmpl.parameters[key]
				switch {
				case !ok:
					t.Errorf("[%s.%s] parameter_overrides sets %s, which template.yaml does not declare", env, cmd, key)
				case !hasDefault:
					t.Errorf("[%s.%s] parameter_overrides sets %s, a clinic's own value: pass it at deploy time instead", env, cmd, key)
				}
			}
		}
	}
}

func TestParseOverrides(t *testing.T) {
	for _, tt := range []struct {
		in   any
		want map[string]string
	}{
		{`LogLevel="DEBUG" RetentionDays=30`, map[string]string{"LogLevel": "DEBUG", "RetentionDays": "30"}},
		{`DigestSchedule="cron(0 8 ? * MON-FRI *)"  LogLevel=INFO`, map[string]string{"DigestSchedule": "cron(0 8 ? * MON-FRI *)", "LogLevel": "INFO"}},
		{`AlarmEmail="" Quoted="say \"hi\""`, map[string]string{"AlarmEmail": "", "Quoted": `say "hi"`}},
		{[]any{"LogLevel=DEBUG", "RetentionDays=30"}, map[string]string{"LogLevel": "DEBUG", "RetentionDays": "30"}},
	} {
		got, err := parseOverrides(tt.in)
		if err != nil || len(got) != len(tt.want) {
			t.Errorf("parseOverrides(%q) = %v, %v, want %v", tt.in, got, err, tt.want)
			continue
		}
		for k, v := range tt.want {
			if got[k] != v {
				t.Errorf("parseOverrides(%q)[%s] = %q, want %q", tt.in, k, got[k], v)
			}
		}
	}
	for _, bad := range []any{`LogLevel`, `LogLevel="DEBUG`, `=x`, 3} {
		if got, err := parseOverrides(bad); err == nil {
			t.Errorf("parseOverrides(%q) = %v, want an error", bad, got)
		}
	}
}

// parseOverrides reads parameter_overrides as the SAM CLI writes it
// (Key="Value" pairs separated by spaces, values quoted as in a shell) or
// as a list of Key=Value strings.
func parseOverrides(v any) (map[string]string, error) {
	var pairs []string
	switch v := v.(type) {
	case string:
		var err error
		if pairs, err = shellWords(v); err != nil {
			return nil, err
		}
	case []any:
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, errors.New("a list entry is not a string")
			}
			pairs = append(pairs, s)
		}
	default:
		return nil, errors.New("neither a string nor a list")
	}
	out := map[string]string{}
	for _, p := range pairs {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return nil, errors.New("want Key=Value, got " + p)
		}
		out[k] = v
	}
	return out, nil
}

// shellWords splits s at spaces outside double quotes, removing the
// quotes and the backslashes that escape a character inside them.
func shellWords(s string) ([]string, error) {
	var words []string
	var word strings.Builder
	inWord, quoted := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quoted && c == '\\' && i+1 < len(s):
			i++
			word.WriteByte(s[i])
		case c == '"':
			quoted, inWord = !quoted, true
		case !quoted && (c == ' ' || c == '\t' || c == '\n'):
			if inWord {
				words = append(words, word.String())
				word.Reset()
				inWord = false
			}
		default:
			word.WriteByte(c)
			inWord = true
		}
	}
	if quoted {
		return nil, errors.New("unterminated quote")
	}
	if inWord {
		words = append(words, word.String())
	}
	return words, nil
}

// TestNoRealAddresses: the committed file names no address but
// example.com's, no AWS account and no ARN, whatever the guided deploy may
// have written into a working copy.
func TestNoRealAddresses(t *testing.T) {
	b, err := os.ReadFile(configPath(t))
	if err != nil {
		t.Fatal(err)
	}
	if found := realLooking(string(b)); len(found) > 0 {
		t.Errorf("samconfig.toml names %q: keep the clinic's own values out of the repository (docs/deploy.md)", found)
	}
}

func TestRealLooking(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{`SenderEmail="appointments@example.com" AllowedOrigins="https://www.example.com"`, nil},
		{`ThankYouUrl="https://example.com/thank-you" x@mail.example.com`, nil},
		{`FrontDeskEmail="desk@clinic.test"`, []string{"desk@clinic.test"}},
		{`AllowedOrigins="https://www.myclinic.com,https://example.com"`, []string{"https://www.myclinic.com"}},
		{`to@example.com.evil.org`, []string{"to@example.com.evil.org"}},
		{`https://notexample.com`, []string{"https://notexample.com"}},
		{`s3_bucket = "aws-sam-cli-managed-default-123456789012"`, []string{"123456789012"}},
		{`TurnstileSecretArn="arn:aws:secretsmanager:us-east-1:1:secret:x"`, []string{"arn:aws:secretsmanager"}},
	} {
		if got := realLooking(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("realLooking(%s) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

var (
	emailPattern   = regexp.MustCompile(`[A-Za-z0-9._%+-]+@([A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+)`)
	urlPattern     = regexp.MustCompile(`https?://([A-Za-z0-9.-]+)`)
	accountPattern = regexp.MustCompile(`\b[0-9]{12}\b`)
	arnPattern     = regexp.MustCompile(`arn:aws[a-z-]*:[a-z0-9-]+`)
)

// realLooking returns the email addresses and URLs in s outside
// example.com, and anything that looks like an AWS account ID or an ARN.
func realLooking(s string) []string {
	var found []string
	exampleDomain := func(host string) bool {
		host = strings.ToLower(host)
		return host == "example.com" || strings.HasSuffix(host, ".example.com")
	}
	for _, m := range emailPattern.FindAllStringSubmatch(s, -1) {
		if !exampleDomain(m[1]) {
			found = append(found, m[0])
		}
	}
	for _, m := range urlPattern.FindAllStringSubmatch(s, -1) {
		if !exampleDomain(m[1]) {
			found = append(found, m[0])
		}
	}
	found = append(found, accountPattern.FindAllString(s, -1)...)
	found = append(found, arnPattern.FindAllString(s, -1)...)
	return found
}
