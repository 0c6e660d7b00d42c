package template

import (
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestParametersDocumented keeps docs/deploy.md's table of parameters true:
// every parameter of template.yaml is listed with its default, and the
// table lists no other.
func TestParametersDocumented(t *testing.T) {
	var tmpl struct {
		Parameters map[string]struct {
			Default yaml.Node `yaml:"Default"`
		} `yaml:"Parameters"`
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(readTemplate(t), &doc); err != nil {
		t.Fatal(err)
	}
	// Only the Parameters section is decoded: the rest of the template
	// uses CloudFormation's short-form tags.
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "Parameters" {
			params := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{root.Content[i], root.Content[i+1]}}
			if err := params.Decode(&tmpl); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(tmpl.Parameters) == 0 {
		t.Fatal("template.yaml has no parameters")
	}

	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "deploy.md"))
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]string{}
	for _, row := range regexp.MustCompile("(?m)^\\| `([A-Za-z]+)` \\| ([^|]+) \\|").FindAllStringSubmatch(string(b), -1) {
		documented[row[1]] = strings.Trim(strings.TrimSpace(row[2]), "`")
	}
	for name, p := range tmpl.Parameters {
		want := "—"
		if p.Default.Kind != 0 {
			want = p.Default.Value
			if want == "" {
				want = "empty"
			}
		}
		if got, ok := documented[name]; !ok || got != want {
			t.Errorf("docs/deploy.md gives %s the default %q, want %q", name, got, want)
		}
	}
	for name := range documented {
		if _, ok := tmpl.Parameters[name]; !ok {
			t.Errorf("docs/deploy.md lists %s, which template.yaml does not declare", name)
		}
	}
}

// TestAlarmsDocumented keeps the Alarms table of docs/operations.md true:
// it names every alarm of template.yaml, and no other.
func TestAlarmsDocumented(t *testing.T) {
	var doc yaml.Node
	if err := yaml.Unmarshal(readTemplate(t), &doc); err != nil {
		t.Fatal(err)
	}
	alarms := map[string]bool{}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != "Resources" {
			continue
		}
		resources := root.Content[i+1]
		for j := 0; j+1 < len(resources.Content); j += 2 {
			r := resources.Content[j+1]
			for k := 0; k+1 < len(r.Content); k += 2 {
				if r.Content[k].Value == "Type" && r.Content[k+1].Value == "AWS::CloudWatch::Alarm" {
					alarms[resources.Content[j].Value] = true
				}
			}
		}
	}
	if len(alarms) == 0 {
		t.Fatal("template.yaml has no alarms")
	}

	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "operations.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(b), "\n### Alarms\n")
	section, _, _ = strings.Cut(section, "\n#")
	documented := map[string]bool{}
	for _, row := range regexp.MustCompile("(?m)^\\| ([^|]+) \\|").FindAllStringSubmatch(section, -1) {
		for _, name := range regexp.MustCompile("`([A-Za-z]+Alarm)`").FindAllStringSubmatch(row[1], -1) {
			documented[name[1]] = true
		}
	}
	for name := range alarms {
		if !documented[name] {
			t.Errorf("docs/operations.md's Alarms table does not list %s", name)
		}
	}
	for name := range documented {
		if !alarms[name] {
			t.Errorf("docs/operations.md's Alarms table lists %s, which template.yaml does not declare", name)
		}
	}
}

// templateSection returns a top-level section of template.yaml, such as
// Parameters, as a YAML node to decode. Only sections without
// CloudFormation's short-form tags decode into plain Go values.
func templateSection(t *testing.T, name string) *yaml.Node {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(readTemplate(t), &doc); err != nil {
		t.Fatal(err)
	}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == name {
			return root.Content[i+1]
		}
	}
	t.Fatalf("template.yaml has no %s", name)
	return nil
}

// TestParametersGrouped keeps the CloudFormation console's form, which
// AWS::CloudFormation::Interface lays out, complete: every parameter is in
// one parameter group and has a label, and nothing there names a
// parameter the template does not declare.
func TestParametersGrouped(t *testing.T) {
	var params map[string]yaml.Node
	if err := templateSection(t, "Parameters").Decode(&params); err != nil {
		t.Fatal(err)
	}
	var meta struct {
		Interface struct {
			ParameterGroups []struct {
				Label struct {
					Default string `yaml:"default"`
				} `yaml:"Label"`
				Parameters []string `yaml:"Parameters"`
			} `yaml:"ParameterGroups"`
			ParameterLabels map[string]struct {
				Default string `yaml:"default"`
			} `yaml:"ParameterLabels"`
		} `yaml:"AWS::CloudFormation::Interface"`
	}
	if err := templateSection(t, "Metadata").Decode(&meta); err != nil {
		t.Fatal(err)
	}
	groups := map[string][]string{}
	for _, g := range meta.Interface.ParameterGroups {
		for _, name := range g.Parameters {
			groups[name] = append(groups[name], g.Label.Default)
		}
	}
	for name := range params {
		if len(groups[name]) != 1 {
			t.Errorf("parameter %s is in the groups %q, want one", name, groups[name])
		}
		if meta.Interface.ParameterLabels[name].Default == "" {
			t.Errorf("parameter %s has no label", name)
		}
	}
	for name := range groups {
		if _, ok := params[name]; !ok {
			t.Errorf("a parameter group names %s, which template.yaml does not declare", name)
		}
	}
	for name := range meta.Interface.ParameterLabels {
		if _, ok := params[name]; !ok {
			t.Errorf("ParameterLabels names %s, which template.yaml does not declare", name)
		}
	}
}

// readDoc returns a page of docs/.
func readDoc(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestDeployDocsNameEveryFunction keeps docs/deploy.md's lists of functions
// whole: every function of template.yaml is among the make targets sam
// build runs and in "What the stack creates", and every function's log
// group is in the logs sections of docs/deploy.md and docs/operations.md.
func TestDeployDocsNameEveryFunction(t *testing.T) {
	var resources map[string]struct {
		Type       string `yaml:"Type"`
		Properties struct {
			LogGroupName yaml.Node `yaml:"LogGroupName"`
		} `yaml:"Properties"`
	}
	if err := templateSection(t, "Resources").Decode(&resources); err != nil {
		t.Fatal(err)
	}
	deploy, operations := readDoc(t, "deploy.md"), readDoc(t, "operations.md")
	_, creates, _ := strings.Cut(deploy, "## What the stack creates")
	creates, _, _ = strings.Cut(creates, "\n## ")
	logs := regexp.MustCompile("`/aws/lambda/<stack name>-<([a-z|]+)>`").FindStringSubmatch(deploy)
	if logs == nil {
		t.Fatal("docs/deploy.md does not give the functions' log group names")
	}
	functions := 0
	for id, r := range resources {
		switch r.Type {
		case "AWS::Serverless::Function":
			functions++
			if !strings.Contains(deploy, "`make build-"+id+"`") {
				t.Errorf("docs/deploy.md does not list `make build-%s` among what sam build runs", id)
			}
			if !strings.Contains(creates, "**`"+id+"`**") {
				t.Errorf("docs/deploy.md's \"What the stack creates\" does not describe %s", id)
			}
		case "AWS::Logs::LogGroup":
			name := r.Properties.LogGroupName.Value
			suffix, ok := strings.CutPrefix(name, "/aws/lambda/${AWS::StackName}-")
			if !ok {
				continue
			}
			if !slices.Contains(strings.Split(logs[1], "|"), suffix) {
				t.Errorf("docs/deploy.md's log group names leave out %s (%s)", suffix, id)
			}
			if !strings.Contains(operations, "`-"+suffix+"`") && !strings.Contains(operations, "-"+suffix+"`") {
				t.Errorf("docs/operations.md's log group names leave out -%s (%s)", suffix, id)
			}
		}
	}
	if functions < 5 {
		t.Fatalf("template.yaml declares %d functions", functions)
	}
}

// TestOutputsDocumented: docs/deploy.md names every output of the stack.
func TestOutputsDocumented(t *testing.T) {
	var outputs map[string]yaml.Node
	if err := templateSection(t, "Outputs").Decode(&outputs); err != nil {
		t.Fatal(err)
	}
	if len(outputs) < 10 {
		t.Fatalf("template.yaml declares %d outputs", len(outputs))
	}
	deploy := readDoc(t, "deploy.md")
	for name := range outputs {
		if !strings.Contains(deploy, "`"+name+"`") {
			t.Errorf("docs/deploy.md does not name the output %s", name)
		}
	}
}

// section returns the text of the Markdown section of file (relative to
// the repository) under the heading that reads heading, up to the next
// heading of the same or a higher level (lines in fenced code blocks are
// not headings).
func section(t *testing.T, file, heading string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", file))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	level, fenced := 0, false
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "```") {
			fenced = !fenced
		}
		hashes := len(line) - len(strings.TrimLeft(line, "#"))
		isHeading := !fenced && hashes > 0 && strings.HasPrefix(line[hashes:], " ")
		switch {
		case level == 0 && isHeading && strings.TrimSpace(line[hashes:]) == heading:
			level = hashes
		case level > 0 && isHeading && hashes <= level:
			return strings.Join(out, "\n")
		case level > 0:
			out = append(out, line)
		}
	}
	if level == 0 {
		t.Fatalf("%s has no section %q", file, heading)
	}
	return strings.Join(out, "\n")
}

// TestSecurityNamesManagedPolicies: SECURITY.md's account of least
// privilege names every AWS managed policy a role of the deployed template
// attaches, so that it never says fewer are attached than are.
func TestSecurityNamesManagedPolicies(t *testing.T) {
	tmpl := translatedTemplate(t)
	text := strings.Join(strings.Fields(section(t, "SECURITY.md", "Least privilege")), " ")
	attached := map[string][]string{}
	resources, _ := tmpl["Resources"].(map[string]any)
	for _, id := range slices.Sorted(maps.Keys(resources)) {
		if resourceType(resources[id]) != "AWS::IAM::Role" {
			continue
		}
		for _, arn := range leaves(dig(resources[id].(map[string]any), "Properties")["ManagedPolicyArns"]) {
			s, _ := arn.(string)
			if m, ok := arn.(map[string]any); ok {
				s, _ = m["Fn::Sub"].(string)
			}
			if name, ok := strings.CutPrefix(s[strings.LastIndex(s, ":")+1:], "policy/"); ok {
				name = name[strings.LastIndex(name, "/")+1:]
				attached[name] = append(attached[name], id)
			}
		}
	}
	if len(attached) == 0 {
		t.Fatal("no role of the translated template attaches a managed policy; the test read the wrong thing")
	}
	for name, roles := range attached {
		if !strings.Contains(text, "`"+name+"`") {
			t.Errorf("SECURITY.md's Least privilege does not name %s, which %v attach", name, roles)
		}
	}
}

// TestFeedbackDeadLettersDocumented: the docs say what
// FeedbackDeadLetterQueue keeps, SES's events with the recipients'
// addresses, and for how long, in the days the template sets.
func TestFeedbackDeadLettersDocumented(t *testing.T) {
	doc, err := queueRetention(t)
	if err != nil {
		t.Fatal(err)
	}
	seconds, err := strconv.Atoi(doc["FeedbackDeadLetterQueue"])
	if err != nil || seconds%86400 != 0 {
		t.Fatalf("FeedbackDeadLetterQueue keeps messages for %q seconds, not a number of whole days", doc["FeedbackDeadLetterQueue"])
	}
	days := strconv.Itoa(seconds/86400) + " days"
	for _, tt := range []struct{ file, heading string }{
		{"SECURITY.md", "Health information"},
		{"docs/operations.md", "Feedback from SES"},
	} {
		text := strings.Join(strings.Fields(section(t, tt.file, tt.heading)), " ")
		for _, want := range []string{"FeedbackDeadLetterQueue", "addresses", days} {
			if !strings.Contains(text, want) {
				t.Errorf("%s, %q, does not say %q of the feedback dead-letter queue", tt.file, tt.heading, want)
			}
		}
	}
}

// queueRetention returns the MessageRetentionPeriod of each queue of template.yaml,
// by logical ID.
func queueRetention(t *testing.T) (map[string]string, error) {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(readTemplate(t), &doc); err != nil {
		return nil, err
	}
	out := map[string]string{}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != "Resources" {
			continue
		}
		res := root.Content[i+1]
		for j := 0; j+1 < len(res.Content); j += 2 {
			var r struct {
				Type       string `yaml:"Type"`
				Properties struct {
					MessageRetentionPeriod string `yaml:"MessageRetentionPeriod"`
				} `yaml:"Properties"`
			}
			if res.Content[j+1].Decode(&r) == nil && r.Type == "AWS::SQS::Queue" {
				out[res.Content[j].Value] = r.Properties.MessageRetentionPeriod
			}
		}
	}
	return out, nil
}
