package samtemplate_test

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"example.com/appointments/internal/testing/samtemplate"
)

// TestDeployed checks Deployed and BrokenRules themselves, on a template
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
			s := samtemplate.Stack{Params: tt.params, Refs: refs}
			got, err := samtemplate.Deployed(tmpl, s)
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
					t.Errorf("Fn's variables = %v, want %v", env, tt.env)
				}
			}
			broken, err := samtemplate.BrokenRules(tmpl, s)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(broken, tt.wantBroken) {
				t.Errorf("BrokenRules() = %q, want %q", broken, tt.wantBroken)
			}
		})
	}

	// An attribute given in Refs resolves Fn::GetAtt, in both its forms,
	// and the same name in Fn::Sub.
	got, err := samtemplate.Deployed(map[string]any{"Resources": map[string]any{"Fn": map[string]any{"Properties": map[string]any{
		"Long":  map[string]any{"Fn::GetAtt": []any{"Table", "Arn"}},
		"Short": map[string]any{"Fn::GetAtt": "Table.Arn"},
		"Sub":   map[string]any{"Fn::Sub": "${Table.Arn}/index/ByStatus"},
		"Other": map[string]any{"Fn::GetAtt": []any{"Table", "StreamArn"}},
	}}}}, samtemplate.Stack{Refs: map[string]string{"Table.Arn": "arn:aws:dynamodb:us-east-1:123456789012:table/t"}})
	if err != nil {
		t.Fatal(err)
	}
	wantProps := map[string]any{
		"Long":  "arn:aws:dynamodb:us-east-1:123456789012:table/t",
		"Short": "arn:aws:dynamodb:us-east-1:123456789012:table/t",
		"Sub":   "arn:aws:dynamodb:us-east-1:123456789012:table/t/index/ByStatus",
		"Other": map[string]any{"Fn::GetAtt": []any{"Table", "StreamArn"}},
	}
	if props := dig(got["Resources"].(map[string]any)["Fn"].(map[string]any), "Properties"); !reflect.DeepEqual(props, wantProps) {
		t.Errorf("attributes resolved to %v, want %v", props, wantProps)
	}

	// A condition on a parameter without a value cannot be settled.
	if _, err := samtemplate.Deployed(map[string]any{
		"Parameters": map[string]any{"Sender": map[string]any{"Type": "String"}},
		"Conditions": map[string]any{"C": map[string]any{"Fn::Equals": []any{map[string]any{"Ref": "Sender"}, ""}}},
		"Resources":  map[string]any{"R": map[string]any{"Type": "AWS::SQS::Queue", "Condition": "C"}},
	}, samtemplate.Stack{}); err == nil || !strings.Contains(err.Error(), "Sender has no value") {
		t.Errorf("Deployed() error = %v, want one saying Sender has no value", err)
	}
}

// dig follows keys through nested objects, returning nil when one is
// missing.
func dig(v map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		v, _ = v[k].(map[string]any)
	}
	return v
}
