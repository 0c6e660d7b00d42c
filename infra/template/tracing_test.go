package template

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"testing"
)

// TestEveryFunctionIsTraced: every function of the translated template
// runs with active tracing, and its role may write the traces: through
// AWSXrayWriteOnlyAccess, which SAM attaches to the roles it generates, or
// through its own statement granting xray:PutTraceSegments and
// xray:PutTelemetryRecords, as NotifyFunctionRole must, since SAM adds
// nothing to a role it is given. Without them Lambda drops the segments
// without a word.
func TestEveryFunctionIsTraced(t *testing.T) {
	tmpl := translatedTemplate(t)
	resources, _ := tmpl["Resources"].(map[string]any)
	n := 0
	for _, id := range slices.Sorted(maps.Keys(resources)) {
		if resourceType(resources[id]) != "AWS::Lambda::Function" {
			continue
		}
		n++
		props := dig(resources[id].(map[string]any), "Properties")
		if got := props["TracingConfig"]; !reflect.DeepEqual(got, map[string]any{"Mode": "Active"}) {
			t.Errorf("%s: TracingConfig = %s, want Mode Active", id, compact(got))
		}
		roleRef, _ := dig(props, "Role")["Fn::GetAtt"].([]any)
		if len(roleRef) != 2 {
			t.Errorf("%s: role %s is not one of the template", id, compact(props["Role"]))
			continue
		}
		role := dig(resources, fmt.Sprint(roleRef[0]), "Properties")
		if !canWriteTraces(role) {
			t.Errorf("%s: its role %v may not write traces (xray:PutTraceSegments and xray:PutTelemetryRecords)", id, roleRef[0])
		}
	}
	if n == 0 {
		t.Fatal("the translated template has no functions")
	}
}

func canWriteTraces(roleProps map[string]any) bool {
	for _, arn := range leaves(roleProps["ManagedPolicyArns"]) {
		if s, _ := arn.(string); xrayWriteOnly.MatchString(s) {
			return true
		}
	}
	granted := grants(roleProps)
	for _, action := range []string{"xray:PutTraceSegments", "xray:PutTelemetryRecords"} {
		if !slices.Contains(granted[action], any("*")) {
			return false
		}
	}
	return true
}
