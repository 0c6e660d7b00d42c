package template

import (
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"example.com/appointments/internal/actionlink"
)

// TestManageRoutes: both methods of the action links reach ManageFunction
// through the same HTTP API as the form, with payload format 2.0, which is
// what manage.Handler reads. The emulator tests invoke the function
// directly, so a route missing here would fail only once deployed.
func TestManageRoutes(t *testing.T) {
	tmpl := translatedTemplate(t)
	resources, _ := tmpl["Resources"].(map[string]any)
	api, _ := resources["AppointmentsApi"].(map[string]any)
	paths := dig(api, "Properties", "Body", "paths")
	if paths == nil {
		t.Fatal("the translated AppointmentsApi has no OpenAPI paths")
	}
	route, _ := paths["/manage/{action}/{token}"].(map[string]any)
	for _, method := range []string{"get", "post"} {
		op, _ := route[method].(map[string]any)
		integration := dig(op, "x-amazon-apigateway-integration")
		if integration == nil {
			t.Errorf("no route %s /manage/{action}/{token}", strings.ToUpper(method))
			continue
		}
		uri, _ := dig(integration, "uri")["Fn::Sub"].(string)
		if !strings.Contains(uri, "${ManageFunction.Arn}") {
			t.Errorf("%s /manage/{action}/{token} invokes %s, want ManageFunction", strings.ToUpper(method), uri)
		}
		if integration["payloadFormatVersion"] != "2.0" {
			t.Errorf("%s /manage/{action}/{token} uses payload format %v, want 2.0", strings.ToUpper(method), integration["payloadFormatVersion"])
		}
	}
	if len(route) != 2 {
		t.Errorf("/manage/{action}/{token} has methods %v, want only get and post", slices.Sorted(maps.Keys(route)))
	}
}

// TestActionLinkKeyShared: the function that signs the links and the one
// that checks them read the same secret, or no link would ever verify; and
// the secret Secrets Manager generates is long enough for actionlink.New.
func TestActionLinkKeyShared(t *testing.T) {
	tmpl := translatedTemplate(t)
	resources, _ := tmpl["Resources"].(map[string]any)
	for _, fn := range []string{"ManageFunction", "NotifyFunction", "DigestFunction", "RemindFunction"} {
		f, _ := resources[fn].(map[string]any)
		env := dig(f, "Properties", "Environment", "Variables")
		if got, want := env["ACTION_LINK_KEY_SECRET_ARN"], ref("ActionLinkKeySecret"); !reflect.DeepEqual(got, want) {
			t.Errorf("%s's ACTION_LINK_KEY_SECRET_ARN = %s, want %s", fn, compact(got), compact(want))
		}
	}
	secret, _ := resources["ActionLinkKeySecret"].(map[string]any)
	if resourceType(secret) != "AWS::SecretsManager::Secret" {
		t.Fatal("the translated template has no secret ActionLinkKeySecret")
	}
	gen := dig(secret, "Properties", "GenerateSecretString")
	if n, _ := gen["PasswordLength"].(float64); int(n) < actionlink.MinKeyLength {
		t.Errorf("ActionLinkKeySecret is generated %v characters long, want at least %d", gen["PasswordLength"], actionlink.MinKeyLength)
	}
}
