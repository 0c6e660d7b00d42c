package iamsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"example.com/appointments/internal/testing/samtemplate"
)

// InstallHint says how to get what Simulate needs.
const InstallHint = "apt-get install -y npm (which brings Node.js), then npm ci in the repository"

// Request is one request for the simulator to evaluate.
type Request struct {
	Principal string
	Action    string
	Resource  string
	// Context holds the request's condition keys.
	Context map[string][]string
	// Policies are the principal's identity policies.
	Policies []Policy
	// ResourcePolicy is the resource's own policy, such as a role's trust
	// policy for sts:AssumeRole; nil for none.
	ResourcePolicy any
}

// Decision is the simulator's answer to one Request.
type Decision struct {
	// Result is Allowed, ImplicitlyDenied or ExplicitlyDenied, or Error
	// when the request or a policy is not valid (Errors says why).
	Result string
	Errors string
	// IgnoredContextKeys are condition keys of the request that do not
	// apply to its action and resource, which the simulator left out.
	IgnoredContextKeys []string
}

// arrayKeys are the condition keys that hold a set of values; the others
// hold one.
var arrayKeys = map[string]bool{"dynamodb:LeadingKeys": true, "dynamodb:Attributes": true, "ses:Recipients": true}

// Simulate evaluates requests with @cloud-copilot/iam-simulate, the IAM
// policy evaluator package.json pins, run by Node.js as a separate process
// (simulate.mjs): the package is a test tool, never part of what is
// built or deployed.
func Simulate(requests []Request) ([]Decision, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("node is not on PATH (%v); install it: %s", err, InstallHint)
	}
	root, err := samtemplate.RepoRoot()
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(root, "node_modules", "@cloud-copilot", "iam-simulate", "package.json")); err != nil {
		return nil, fmt.Errorf("@cloud-copilot/iam-simulate is not installed (%v); install it: %s", err, InstallHint)
	}
	type request struct {
		Principal      string         `json:"principal"`
		Action         string         `json:"action"`
		Resource       string         `json:"resource"`
		AccountID      string         `json:"accountId"`
		Context        map[string]any `json:"context"`
		Policies       []any          `json:"policies"`
		ResourcePolicy any            `json:"resourcePolicy,omitempty"`
	}
	in := make([]request, len(requests))
	for i, r := range requests {
		context := map[string]any{}
		for k, v := range r.Context {
			if arrayKeys[k] || len(v) != 1 {
				context[k] = v
			} else {
				context[k] = v[0]
			}
		}
		policies := make([]any, len(r.Policies))
		for j, p := range r.Policies {
			policies[j] = map[string]any{"name": p.Name, "document": p.Document}
		}
		in[i] = request{Principal: r.Principal, Action: r.Action, Resource: r.Resource, AccountID: AccountID, Context: context, Policies: policies, ResourcePolicy: r.ResourcePolicy}
	}
	body, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(node, filepath.Join(root, "internal", "testing", "iamsim", "simulate.mjs"))
	cmd.Dir = root
	cmd.Stdin = bytes.NewReader(body)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("simulate: %v\n%s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	var decisions []Decision
	if err := json.Unmarshal(out, &decisions); err != nil {
		return nil, fmt.Errorf("simulate: answer is not a list of decisions: %v", err)
	}
	if len(decisions) != len(requests) {
		return nil, fmt.Errorf("simulate: %d decisions for %d requests", len(decisions), len(requests))
	}
	return decisions, nil
}
