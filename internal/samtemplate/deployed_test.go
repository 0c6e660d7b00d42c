package samtemplate_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// A translated template still holds what CloudFormation settles only on
// deployment: which Conditions hold, so which resources and outputs exist
// and which branch of each Fn::If applies, and whether the Rules let the
// parameters through at all. deployed and brokenRules settle them for given
// parameter values, so that a test can check what a clinic's stack really
// gets rather than the raw template.

// stack is what CloudFormation knows of a stack when it deploys it.
type stack struct {
	// params are the parameter values given; the others take their
	// defaults.
	params map[string]string
	// refs are the values of the pseudo parameters (AWS::Region, ...) and
	// of the resources a test wants references to resolve to, such as an
	// API's ID. A reference to anything else is left as it is.
	refs map[string]string
}

// deployed returns the Resources and Outputs of the translated template
// tmpl as CloudFormation would create them for s: without the resources
// and outputs whose Condition is false, each Fn::If replaced by the branch
// its condition picks, AWS::NoValue removed, and each Ref and Fn::Sub whose
// names all have values (parameters, or names in s.refs) replaced by the
// resulting string. Other intrinsic functions are kept as they are.
func deployed(tmpl map[string]any, s stack) (map[string]any, error) {
	e := newEvaluator(tmpl, s)
	out := map[string]any{}
	for _, section := range []string{"Resources", "Outputs"} {
		entries, _ := tmpl[section].(map[string]any)
		kept := map[string]any{}
		for id, entry := range entries {
			m, _ := entry.(map[string]any)
			if cond, ok := m["Condition"].(string); ok {
				holds, err := e.named(cond)
				if err != nil {
					return nil, fmt.Errorf("%s %s: %w", section, id, err)
				}
				if !holds {
					continue
				}
			}
			v, err := e.walk(entry)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", section, id, err)
			}
			kept[id] = v
		}
		out[section] = kept
	}
	return out, nil
}

// brokenRules returns, sorted, "Rule: AssertDescription" for each assertion
// of the template's Rules that fails for s. CloudFormation refuses to
// create or update a stack with any of them, before it changes anything.
func brokenRules(tmpl map[string]any, s stack) ([]string, error) {
	e := newEvaluator(tmpl, s)
	rules, _ := tmpl["Rules"].(map[string]any)
	var broken []string
	for name, r := range rules {
		rule, _ := r.(map[string]any)
		if cond, ok := rule["RuleCondition"]; ok {
			holds, err := e.condition(cond)
			if err != nil {
				return nil, fmt.Errorf("rule %s: %w", name, err)
			}
			if !holds {
				continue
			}
		}
		assertions, _ := rule["Assertions"].([]any)
		for _, a := range assertions {
			assertion, _ := a.(map[string]any)
			holds, err := e.condition(assertion["Assert"])
			if err != nil {
				return nil, fmt.Errorf("rule %s: %w", name, err)
			}
			if !holds {
				broken = append(broken, fmt.Sprintf("%s: %v", name, assertion["AssertDescription"]))
			}
		}
	}
	slices.Sort(broken)
	return broken, nil
}

type evaluator struct {
	parameters, conditions map[string]any
	stack                  stack
	settled                map[string]bool
}

func newEvaluator(tmpl map[string]any, s stack) *evaluator {
	parameters, _ := tmpl["Parameters"].(map[string]any)
	conditions, _ := tmpl["Conditions"].(map[string]any)
	return &evaluator{parameters: parameters, conditions: conditions, stack: s, settled: map[string]bool{}}
}

// value returns what a name refers to: a parameter's given value or
// default, or a value of s.refs.
func (e *evaluator) value(name string) (string, bool) {
	if v, ok := e.stack.params[name]; ok {
		return v, true
	}
	if p, ok := e.parameters[name].(map[string]any); ok {
		def, ok := p["Default"]
		if !ok {
			return "", false
		}
		return scalar(def), true
	}
	v, ok := e.stack.refs[name]
	return v, ok
}

// scalar formats a JSON scalar as CloudFormation passes it to a String
// parameter or a condition: 365, not 365.0.
func scalar(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	default:
		return fmt.Sprint(v)
	}
}

// named reports whether the template's condition name holds.
func (e *evaluator) named(name string) (bool, error) {
	if holds, ok := e.settled[name]; ok {
		return holds, nil
	}
	def, ok := e.conditions[name]
	if !ok {
		return false, fmt.Errorf("no condition %s", name)
	}
	holds, err := e.condition(def)
	if err != nil {
		return false, fmt.Errorf("condition %s: %w", name, err)
	}
	e.settled[name] = holds
	return holds, nil
}

// condition evaluates a condition function: Fn::Equals, Fn::Not, Fn::And,
// Fn::Or, or a Condition by name. Rules' assertions use the same.
func (e *evaluator) condition(v any) (bool, error) {
	m, _ := v.(map[string]any)
	if len(m) != 1 {
		return false, fmt.Errorf("%s is not a condition function", compact(v))
	}
	fn := slices.Collect(maps.Keys(m))[0]
	if fn == "Condition" {
		name, _ := m[fn].(string)
		return e.named(name)
	}
	args, _ := m[fn].([]any)
	switch fn {
	case "Fn::Equals":
		if len(args) != 2 {
			return false, fmt.Errorf("Fn::Equals takes 2 values, not %s", compact(m[fn]))
		}
		a, err := e.operand(args[0])
		if err != nil {
			return false, err
		}
		b, err := e.operand(args[1])
		if err != nil {
			return false, err
		}
		return a == b, nil
	case "Fn::Not":
		if len(args) != 1 {
			return false, fmt.Errorf("Fn::Not takes 1 condition, not %s", compact(m[fn]))
		}
		holds, err := e.condition(args[0])
		return !holds, err
	case "Fn::And", "Fn::Or":
		all := fn == "Fn::And"
		for _, a := range args {
			holds, err := e.condition(a)
			if err != nil {
				return false, err
			}
			if holds != all {
				return holds, nil
			}
		}
		return all, nil
	}
	return false, fmt.Errorf("%s is not evaluated here", fn)
}

// operand returns the value of an operand of Fn::Equals: a literal or a
// Ref.
func (e *evaluator) operand(v any) (string, error) {
	if m, ok := v.(map[string]any); ok {
		name, isRef := m["Ref"].(string)
		if !isRef || len(m) != 1 {
			return "", fmt.Errorf("%s is not evaluated in a condition", compact(v))
		}
		s, ok := e.value(name)
		if !ok {
			return "", fmt.Errorf("%s has no value", name)
		}
		return s, nil
	}
	return scalar(v), nil
}

// absent stands for AWS::NoValue while walking: the property or list item
// holding it is left out.
type absent struct{}

func (e *evaluator) walk(v any) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		if args, ok := v["Fn::If"].([]any); ok && len(v) == 1 {
			if len(args) != 3 {
				return nil, fmt.Errorf("Fn::If takes a condition and 2 values, not %s", compact(args))
			}
			name, _ := args[0].(string)
			holds, err := e.named(name)
			if err != nil {
				return nil, err
			}
			if holds {
				return e.walk(args[1])
			}
			return e.walk(args[2])
		}
		if name, ok := v["Ref"].(string); ok && len(v) == 1 {
			if name == "AWS::NoValue" {
				return absent{}, nil
			}
			if s, ok := e.value(name); ok {
				return s, nil
			}
			return v, nil
		}
		out := make(map[string]any, len(v))
		for k, x := range v {
			w, err := e.walk(x)
			if err != nil {
				return nil, err
			}
			if _, ok := w.(absent); !ok {
				out[k] = w
			}
		}
		if _, ok := out["Fn::Sub"]; ok && len(out) == 1 {
			return e.sub(out), nil
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(v))
		for _, x := range v {
			w, err := e.walk(x)
			if err != nil {
				return nil, err
			}
			if _, ok := w.(absent); !ok {
				out = append(out, w)
			}
		}
		return out, nil
	}
	return v, nil
}

var subVariable = regexp.MustCompile(`\$\{([^}]*)\}`)

// sub returns the string an Fn::Sub makes, or the Fn::Sub itself when one
// of its variables has no value here (a resource's attribute, say).
func (e *evaluator) sub(node map[string]any) any {
	text, _ := node["Fn::Sub"].(string)
	vars := map[string]any{}
	if list, ok := node["Fn::Sub"].([]any); ok && len(list) == 2 {
		text, _ = list[0].(string)
		vars, _ = list[1].(map[string]any)
	}
	complete := true
	out := subVariable.ReplaceAllStringFunc(text, func(m string) string {
		name := m[2 : len(m)-1]
		if literal, ok := strings.CutPrefix(name, "!"); ok {
			return "${" + literal + "}"
		}
		if v, ok := vars[name]; ok {
			if s, ok := v.(string); ok {
				return s
			}
			complete = false
			return m
		}
		if s, ok := e.value(name); ok {
			return s
		}
		complete = false
		return m
	})
	if !complete {
		return node
	}
	return out
}

// TestDeployed checks deployed and brokenRules themselves, on a template
// small enough to see every case in.
func TestDeployed(t *testing.T) {
	const template = `{
  "Parameters": {
    "Domain": {"Type": "String", "Default": ""},
    "Days": {"Type": "Number", "Default": 365},
    "Sender": {"Type": "String"}
  },
  "Rules": {
    "NoFoo": {
      "RuleCondition": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Domain"}, ""]}]},
      "Assertions": [{"Assert": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Domain"}, "foo.example.com"]}]}, "AssertDescription": "not foo"}]
    }
  },
  "Conditions": {
    "HasDomain": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Domain"}, ""]}]},
    "LongStay": {"Fn::Or": [{"Fn::Equals": [{"Ref": "Days"}, "365"]}, {"Condition": "HasDomain"}]},
    "Both": {"Fn::And": [{"Condition": "HasDomain"}, {"Condition": "LongStay"}]}
  },
  "Resources": {
    "Api": {"Type": "AWS::ApiGatewayV2::Api"},
    "Name": {"Type": "AWS::ApiGatewayV2::DomainName", "Condition": "HasDomain", "Properties": {"DomainName": {"Ref": "Domain"}}},
    "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Environment": {"Variables": {
      "BASE": {"Fn::If": ["HasDomain", {"Fn::Sub": "https://${Domain}"}, {"Fn::Sub": "https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}"}]},
      "DAYS": {"Ref": "Days"},
      "SENDER": {"Ref": "Sender"},
      "BOTH": {"Fn::If": ["Both", "yes", {"Ref": "AWS::NoValue"}]},
      "LIST": {"Fn::Sub": ["${X}-${!Literal}-${Unknown}", {"X": "x"}]},
      "ATT": {"Fn::GetAtt": ["Name", "RegionalDomainName"]}
    }}}}
  },
  "Outputs": {
    "Target": {"Condition": "HasDomain", "Value": {"Fn::GetAtt": ["Name", "RegionalDomainName"]}}
  }
}`
	var tmpl map[string]any
	if err := json.Unmarshal([]byte(template), &tmpl); err != nil {
		t.Fatal(err)
	}
	refs := map[string]string{"Api": "a1b2c3d4e5", "AWS::Region": "us-east-1", "AWS::URLSuffix": "amazonaws.com"}
	tests := []struct {
		name       string
		params     map[string]string
		resources  []string
		outputs    []string
		env        map[string]any
		wantBroken []string
	}{
		{
			name:      "defaults",
			params:    map[string]string{"Sender": "a@example.com"},
			resources: []string{"Api", "Fn"},
			env: map[string]any{
				"BASE":   "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com",
				"DAYS":   "365",
				"SENDER": "a@example.com",
				"LIST":   map[string]any{"Fn::Sub": []any{"${X}-${!Literal}-${Unknown}", map[string]any{"X": "x"}}},
				"ATT":    map[string]any{"Fn::GetAtt": []any{"Name", "RegionalDomainName"}},
			},
		},
		{
			name:      "a domain",
			params:    map[string]string{"Domain": "appointments.example.com", "Days": "30"},
			resources: []string{"Api", "Fn", "Name"},
			outputs:   []string{"Target"},
			env: map[string]any{
				"BASE":   "https://appointments.example.com",
				"DAYS":   "30",
				"SENDER": map[string]any{"Ref": "Sender"},
				"BOTH":   "yes",
				"LIST":   map[string]any{"Fn::Sub": []any{"${X}-${!Literal}-${Unknown}", map[string]any{"X": "x"}}},
				"ATT":    map[string]any{"Fn::GetAtt": []any{"Name", "RegionalDomainName"}},
			},
		},
		{
			name:       "a broken rule",
			params:     map[string]string{"Domain": "foo.example.com", "Sender": "a@example.com"},
			resources:  []string{"Api", "Fn", "Name"},
			outputs:    []string{"Target"},
			wantBroken: []string{"NoFoo: not foo"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := stack{params: tt.params, refs: refs}
			got, err := deployed(tmpl, s)
			if err != nil {
				t.Fatal(err)
			}
			resources, _ := got["Resources"].(map[string]any)
			outputs, _ := got["Outputs"].(map[string]any)
			if ids := slices.Sorted(maps.Keys(resources)); !slices.Equal(ids, tt.resources) {
				t.Errorf("resources = %v, want %v", ids, tt.resources)
			}
			if ids := slices.Sorted(maps.Keys(outputs)); !slices.Equal(ids, tt.outputs) {
				t.Errorf("outputs = %v, want %v", ids, tt.outputs)
			}
			if tt.env != nil {
				env := dig(resources["Fn"].(map[string]any), "Properties", "Environment", "Variables")
				if !reflect.DeepEqual(env, tt.env) {
					t.Errorf("Fn's variables = %s, want %s", compact(env), compact(tt.env))
				}
			}
			broken, err := brokenRules(tmpl, s)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(broken, tt.wantBroken) {
				t.Errorf("brokenRules() = %q, want %q", broken, tt.wantBroken)
			}
		})
	}

	// A condition on a parameter without a value cannot be settled.
	if _, err := deployed(map[string]any{
		"Parameters": map[string]any{"Sender": map[string]any{"Type": "String"}},
		"Conditions": map[string]any{"C": map[string]any{"Fn::Equals": []any{map[string]any{"Ref": "Sender"}, ""}}},
		"Resources":  map[string]any{"R": map[string]any{"Type": "AWS::SQS::Queue", "Condition": "C"}},
	}, stack{}); err == nil || !strings.Contains(err.Error(), "Sender has no value") {
		t.Errorf("deployed() error = %v, want one saying Sender has no value", err)
	}
}
