package iamsim

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"example.com/appointments/internal/testing/samtemplate"
)

// Where the recorded calls are made: moto's account and the Region of
// every test's clients (mototest.Region).
const (
	Partition = "aws"
	Region    = "us-east-1"
	AccountID = "123456789012"
)

// Policy is an IAM policy document with the name it is known by.
type Policy struct {
	Name     string
	Document any
}

// Role is a function's execution role as the deployed template gives it.
type Role struct {
	// ID is the role's logical ID.
	ID string
	// Policies are its policy documents, every reference resolved.
	Policies []Policy
	// Trust is the role's trust policy, resolved likewise.
	Trust any
}

// awsManagedPolicies are the AWS managed policies a role may attach, which
// the simulation leaves out because their text is not in the template:
// they grant CloudWatch Logs and X-Ray writes, which the functions' code
// never calls (Lambda does, with the role), and the audit of the template
// (infra/template) allows no other.
var awsManagedPolicies = regexp.MustCompile(`^arn:(aws[a-z-]*|\$\{AWS::Partition\}):iam::aws:policy/(service-role/AWSLambdaBasicExecutionRole|AWSXrayWriteOnlyAccess)$`)

// translated is template.yaml as the SAM translator makes it, once per
// test binary.
var translated = sync.OnceValues(func() (map[string]any, error) {
	root, err := samtemplate.RepoRoot()
	if err != nil {
		return nil, err
	}
	return samtemplate.Translate(filepath.Join(root, "template.yaml"), nil)
})

// Template returns template.yaml as the SAM translator makes it. Callers
// must not change it.
func Template(t testing.TB) map[string]any {
	t.Helper()
	tmpl, err := translated()
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

// Binding says what the template's names stand for in a test: the values
// of parameters and the physical IDs (what Ref returns) of resources, by
// logical ID.
type Binding map[string]string

// BindingOf works out, from the environment a function was given, what
// the names the template wires into that environment stand for: a
// variable the template sets to !Ref X makes X the variable's value. A
// test that runs a function with TABLE_NAME=appointments-test so binds
// RequestsTable to that table, as the template does on AWS.
func BindingOf(tmpl map[string]any, function string, env []string) (Binding, error) {
	fn, err := resource(tmpl, function, "AWS::Lambda::Function")
	if err != nil {
		return nil, err
	}
	vars, _ := dig(fn, "Properties", "Environment", "Variables").(map[string]any)
	given := map[string]string{}
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			given[k] = v
		}
	}
	b := Binding{}
	for name, v := range vars {
		m, _ := v.(map[string]any)
		ref, ok := m["Ref"].(string)
		value, set := given[name]
		// Pseudo parameters (AWS::StackName) are the test's account and
		// Region, whatever the function was told.
		if !ok || !set || len(m) != 1 || strings.HasPrefix(ref, "AWS::") {
			continue
		}
		if old, bound := b[ref]; bound && old != value {
			return nil, fmt.Errorf("%s stands for both %q and %q in %s's environment", ref, old, value, function)
		}
		b[ref] = value
	}
	return b, nil
}

// RoleOf returns the execution role of function in the translated
// template tmpl with every reference resolved: the names in b to their
// values, parameters to their defaults, pseudo parameters to the test's
// account and Region, the attributes of bound tables, secrets and
// configuration sets to their ARNs, and any other resource to an ARN of
// no real service, which no call can match.
func RoleOf(tmpl map[string]any, function string, b Binding) (Role, error) {
	fn, err := resource(tmpl, function, "AWS::Lambda::Function")
	if err != nil {
		return Role{}, err
	}
	att, _ := dig(fn, "Properties", "Role").(map[string]any)["Fn::GetAtt"].([]any)
	if len(att) != 2 || att[1] != "Arn" {
		return Role{}, fmt.Errorf("%s's role is %v, not a role of the template", function, dig(fn, "Properties", "Role"))
	}
	return RoleByID(tmpl, fmt.Sprint(att[0]), b)
}

// RoleByID returns the role with the given logical ID in the translated
// template tmpl, resolved as RoleOf resolves a function's.
func RoleByID(tmpl map[string]any, roleID string, b Binding) (Role, error) {
	role, err := resource(tmpl, roleID, "AWS::IAM::Role")
	if err != nil {
		return Role{}, err
	}
	// What is resolved: the role, and the template's policies attached to
	// it, which are found first.
	parts, err := roleParts(tmpl, roleID, role)
	if err != nil {
		return Role{}, err
	}
	params, refs, err := bindings(tmpl, parts, b)
	if err != nil {
		return Role{}, err
	}
	d, err := samtemplate.Deployed(map[string]any{
		"Parameters": tmpl["Parameters"],
		"Conditions": tmpl["Conditions"],
		"Resources":  parts,
	}, samtemplate.Stack{Params: params, Refs: refs})
	if err != nil {
		return Role{}, err
	}
	resolved, _ := d["Resources"].(map[string]any)
	return resolvedRole(roleID, resolved)
}

// roleParts returns the role and the template's policies attached to it,
// by logical ID, and fails on a managed policy whose text the template
// does not hold, other than the AWS managed policies the simulation
// leaves out.
func roleParts(tmpl map[string]any, roleID string, role map[string]any) (map[string]any, error) {
	resources, _ := tmpl["Resources"].(map[string]any)
	parts := map[string]any{roleID: role}
	for _, arn := range leaves(dig(role, "Properties", "ManagedPolicyArns")) {
		if s, ok := arn.(string); ok && awsManagedPolicies.MatchString(s) {
			continue
		}
		if sub, ok := arn.(map[string]any)["Fn::Sub"].(string); ok && awsManagedPolicies.MatchString(sub) {
			continue
		}
		ref, _ := arn.(map[string]any)["Ref"].(string)
		if r, ok := resources[ref].(map[string]any); ok && r["Type"] == "AWS::IAM::ManagedPolicy" {
			parts[ref] = r
			continue
		}
		return nil, fmt.Errorf("%s attaches the managed policy %v, whose text the simulation does not have", roleID, arn)
	}
	for id, r := range resources {
		r, _ := r.(map[string]any)
		if typ := r["Type"]; typ != "AWS::IAM::Policy" && typ != "AWS::IAM::ManagedPolicy" {
			continue
		}
		for _, target := range leaves(dig(r, "Properties", "Roles")) {
			if m, ok := target.(map[string]any); ok && m["Ref"] == roleID {
				parts[id] = r
			}
		}
	}
	return parts, nil
}

// bindings returns the parameters and references parts are resolved with:
// the pseudo parameters, the binding b, and a placeholder ARN for every
// other name the parts refer to that has no default.
func bindings(tmpl map[string]any, parts map[string]any, b Binding) (params, refs map[string]string, err error) {
	resources, _ := tmpl["Resources"].(map[string]any)
	refs = map[string]string{
		"AWS::Partition": Partition,
		"AWS::Region":    Region,
		"AWS::AccountId": AccountID,
		"AWS::URLSuffix": "amazonaws.com",
		"AWS::StackName": "appointments-test",
	}
	params = map[string]string{}
	declared, _ := tmpl["Parameters"].(map[string]any)
	for name, value := range b {
		if _, ok := declared[name]; ok {
			params[name] = value
			continue
		}
		r, ok := resources[name].(map[string]any)
		if !ok {
			return nil, nil, fmt.Errorf("the binding names %s, which the template does not declare", name)
		}
		refs[name] = value
		maps.Copy(refs, attributes(name, fmt.Sprint(r["Type"]), value))
	}
	for _, name := range names(parts) {
		if _, ok := refs[name]; ok {
			continue
		}
		if _, ok := params[name]; ok {
			continue
		}
		placeholder := "arn:" + Partition + ":unbound:" + Region + ":" + AccountID + ":" + name
		if p, ok := declared[name].(map[string]any); ok {
			if _, ok := p["Default"]; !ok {
				params[name] = placeholder
			}
			continue
		}
		refs[name] = placeholder
	}
	return params, refs, nil
}

// resolvedRole gathers the resolved role's trust policy and policies, its
// own inline ones first, and fails on any left unresolved.
func resolvedRole(roleID string, resolved map[string]any) (Role, error) {
	out := Role{ID: roleID, Trust: dig(resolved[roleID], "Properties", "AssumeRolePolicyDocument")}
	for i, p := range leaves(dig(resolved[roleID], "Properties", "Policies")) {
		p, _ := p.(map[string]any)
		name := fmt.Sprint(p["PolicyName"])
		if p["PolicyName"] == nil {
			name = fmt.Sprintf("%s policy %d", roleID, i)
		}
		out.Policies = append(out.Policies, Policy{Name: name, Document: p["PolicyDocument"]})
	}
	for _, id := range slices.Sorted(maps.Keys(resolved)) {
		if id != roleID {
			out.Policies = append(out.Policies, Policy{Name: id, Document: dig(resolved[id], "Properties", "PolicyDocument")})
		}
	}
	if len(out.Policies) == 0 {
		return Role{}, fmt.Errorf("%s has no policies", roleID)
	}
	for _, p := range append([]Policy{{Name: roleID + " trust", Document: out.Trust}}, out.Policies...) {
		if left := unresolved(p.Document); left != "" {
			return Role{}, fmt.Errorf("%s: %s is left unresolved", p.Name, left)
		}
	}
	return out, nil
}

// attributes are the attributes of a resource of type typ whose Ref is
// value, as far as policies name them.
func attributes(id, typ, value string) map[string]string {
	switch typ {
	case "AWS::DynamoDB::Table":
		arn := "arn:" + Partition + ":dynamodb:" + Region + ":" + AccountID + ":table/" + value
		return map[string]string{id + ".Arn": arn, id + ".StreamArn": arn + "/stream/2000-01-01T00:00:00.000"}
	case "AWS::SecretsManager::Secret":
		return map[string]string{id + ".Id": value}
	case "AWS::Scheduler::ScheduleGroup":
		return map[string]string{id + ".Arn": "arn:" + Partition + ":scheduler:" + Region + ":" + AccountID + ":schedule-group/" + value}
	}
	return nil
}

var subVariable = regexp.MustCompile(`\$\{([^}]*)\}`)

// names returns the names the template values in parts refer to with Ref,
// Fn::GetAtt ("ID.Attribute") and Fn::Sub.
func names(parts map[string]any) []string {
	found := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if len(v) == 1 {
				if s, ok := v["Ref"].(string); ok {
					found[s] = true
				}
				if a, ok := v["Fn::GetAtt"].([]any); ok && len(a) == 2 {
					found[fmt.Sprintf("%v.%v", a[0], a[1])] = true
				}
				if a, ok := v["Fn::GetAtt"].(string); ok {
					found[a] = true
				}
				text, _ := v["Fn::Sub"].(string)
				own := map[string]any{}
				if list, ok := v["Fn::Sub"].([]any); ok && len(list) == 2 {
					text, _ = list[0].(string)
					own, _ = list[1].(map[string]any)
				}
				for _, m := range subVariable.FindAllStringSubmatch(text, -1) {
					if _, ok := own[m[1]]; !ok && !strings.HasPrefix(m[1], "!") {
						found[m[1]] = true
					}
				}
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(parts)
	return slices.Sorted(maps.Keys(found))
}

// unresolved returns an intrinsic function left in v, or "".
func unresolved(v any) string {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if len(v) == 1 && (k == "Ref" || strings.HasPrefix(k, "Fn::")) {
				return fmt.Sprintf("%s %v", k, x)
			}
			if s := unresolved(x); s != "" {
				return s
			}
		}
	case []any:
		for _, x := range v {
			if s := unresolved(x); s != "" {
				return s
			}
		}
	}
	return ""
}

func resource(tmpl map[string]any, id, typ string) (map[string]any, error) {
	r, _ := dig(tmpl, "Resources", id).(map[string]any)
	if r == nil || r["Type"] != typ {
		return nil, fmt.Errorf("the translated template has no %s %s", typ, id)
	}
	return r, nil
}

// dig follows keys through nested maps.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	return v
}

// leaves returns the items of a list, or a single value as a list of one.
func leaves(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		return v
	}
	return []any{v}
}

// requestsTableKeys reads the partition key attributes of RequestsTable and
// its indexes from template.yaml.
func requestsTableKeys(t testing.TB) keySchema {
	t.Helper()
	k, err := readKeySchema()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

var readKeySchema = sync.OnceValues(func() (keySchema, error) {
	root, err := samtemplate.RepoRoot()
	if err != nil {
		return keySchema{}, err
	}
	template, err := os.ReadFile(filepath.Join(root, "template.yaml"))
	if err != nil {
		return keySchema{}, err
	}
	def, err := samtemplate.RequestsTable(template, "t")
	if err != nil {
		return keySchema{}, err
	}
	k := keySchema{indexes: map[string]string{}}
	k.table = hashKey(def.KeySchema)
	for _, g := range def.GlobalSecondaryIndexes {
		k.indexes[*g.IndexName] = hashKey(g.KeySchema)
	}
	if k.table == "" {
		return keySchema{}, errors.New("RequestsTable has no partition key")
	}
	return k, nil
})

func hashKey(schema []types.KeySchemaElement) string {
	for _, e := range schema {
		if e.KeyType == types.KeyTypeHash {
			return *e.AttributeName
		}
	}
	return ""
}
