package lambdatest

import (
	"strings"
	"testing"
)

// TestManageFunctionLinksNoLocalTooling holds ManageFunction to the rule
// TestFunctionsLinkNoLocalTooling keeps for the others: nothing only local
// development or tests need is linked into its bootstrap. It also links no
// SES client, since the emails an action calls for go out from the table's
// stream.
func TestManageFunctionLinksNoLocalTooling(t *testing.T) {
	deps := bootstrapDeps(t, "./functions/manage")[module+"/functions/manage"]
	if len(deps) < 10 {
		t.Fatalf("go list -deps ./functions/manage listed only %v", deps)
	}
	banned := append([]string{"github.com/aws/aws-sdk-go-v2/service/ses", "github.com/aws/aws-sdk-go-v2/service/sesv2"}, localOnly...)
	for _, dep := range deps {
		for _, b := range banned {
			if dep == b || strings.HasPrefix(dep, b+"/") {
				t.Errorf("functions/manage links %s", dep)
			}
		}
	}
}
