package samtemplate

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// A translated template still holds what CloudFormation settles only on
// deployment: which Conditions hold, so which resources and outputs exist
// and which branch of each Fn::If applies, and whether the Rules let the
// parameters through at all. deployed and brokenRules settle them for given
// parameter values, so that a test can check what a clinic's stack really
// gets rather than the raw template.

// Stack is what CloudFormation knows of a stack when it deploys it.
type Stack struct {
	// Params are the parameter values given; the others take their
	// defaults.
	Params map[string]string
	// Refs are the values of the pseudo parameters (AWS::Region, ...) and
	// of the resources a caller wants references to resolve to, such as
	// an API's ID, by logical ID; a resource's attribute, for Fn::GetAtt
	// and Fn::Sub, by "LogicalID.Attribute". A reference to anything else
	// is left as it is.
	Refs map[string]string
}

// Deployed returns the Resources and Outputs of the translated template
// tmpl as CloudFormation would create them for s: without the resources
// and outputs whose Condition is false, each Fn::If replaced by the branch
// its condition picks, AWS::NoValue removed, and each Ref, Fn::GetAtt and
// Fn::Sub whose names all have values (parameters, or names in s.Refs)
// replaced by the resulting string. Other intrinsic functions are kept as
// they are.
func Deployed(tmpl map[string]any, s Stack) (map[string]any, error) {
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

// BrokenRules returns, sorted, "Rule: AssertDescription" for each assertion
// of the template's Rules that fails for s. CloudFormation refuses to
// create or update a stack with any of them, before it changes anything.
func BrokenRules(tmpl map[string]any, s Stack) ([]string, error) {
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
	stack                  Stack
	settled                map[string]bool
}

func newEvaluator(tmpl map[string]any, s Stack) *evaluator {
	parameters, _ := tmpl["Parameters"].(map[string]any)
	conditions, _ := tmpl["Conditions"].(map[string]any)
	return &evaluator{parameters: parameters, conditions: conditions, stack: s, settled: map[string]bool{}}
}

// value returns what a name refers to: a parameter's given value or
// default, or a value of s.Refs.
func (e *evaluator) value(name string) (string, bool) {
	if v, ok := e.stack.Params[name]; ok {
		return v, true
	}
	if p, ok := e.parameters[name].(map[string]any); ok {
		def, ok := p["Default"]
		if !ok {
			return "", false
		}
		return scalar(def), true
	}
	v, ok := e.stack.Refs[name]
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
		if att, ok := v["Fn::GetAtt"]; ok && len(v) == 1 {
			// [LogicalID, Attribute], or the short form's "LogicalID.Attribute".
			name, _ := att.(string)
			if parts, ok := att.([]any); ok && len(parts) == 2 {
				name = fmt.Sprintf("%v.%v", parts[0], parts[1])
			}
			if s, ok := e.stack.Refs[name]; ok && name != "" {
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

// compact is v as one line of JSON, for messages.
func compact(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
