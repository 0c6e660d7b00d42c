// Package iamsim checks that the IAM policies the deployed template gives
// each function allow the AWS calls the function really makes. Nothing
// else shows it before deployment: moto and the Lambda Runtime Interface
// Emulator check no permissions, so a wrong ARN or condition would surface
// only as AccessDenied on AWS.
//
// A Recorder sits between a function and moto (a proxy for a bootstrap
// under the emulator, or an HTTP transport for a handler run in the test)
// and turns each call into what IAM authorizes: the action, the resource's
// ARN and the condition keys the call carries (dynamodb:LeadingKeys of
// every item it touches, a transaction's items one by one, and
// ses:FromAddress). Check then evaluates every call against the
// function's role in the template as the SAM translator makes it, with
// @cloud-copilot/iam-simulate, and fails the test on any call not allowed.
//
// It is meant to be imported only from _test.go files.
package iamsim

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// carriedKeys are the condition keys a recorded call carries. A policy
// that conditions a grant on any other key could not be checked here:
// the simulator would find the key absent, where AWS would give it a
// value.
var carriedKeys = map[string]bool{"dynamodb:LeadingKeys": true, "ses:FromAddress": true}

// Watch records the AWS calls of a function started with the environment
// it returns: env with AWS_ENDPOINT_URL pointing at a recording proxy in
// front of upstream (moto's endpoint). When the test ends, after the
// function has stopped, it checks them with Check, the template's names
// bound from env.
func Watch(t testing.TB, function, upstream string, env []string) []string {
	t.Helper()
	r := Record(t, upstream)
	t.Cleanup(func() {
		checkAtEnd(t, function, r, func() (Binding, error) { return BindingOf(Template(t), function, env) })
	})
	return r.Env(env)
}

// WatchTransport records the AWS calls made through the transport it
// returns, which passes them to next (http.DefaultTransport when nil): give
// it to the SDK clients of the handler of function that a test runs
// itself. When the test ends it checks them with CheckBound, if there are
// any.
func WatchTransport(t testing.TB, function string, b Binding, next http.RoundTripper) http.RoundTripper {
	t.Helper()
	r, transport := NewTransport(t, next)
	t.Cleanup(func() {
		// A test's fixture may build a handler that the test never calls.
		if len(r.Calls()) > 0 {
			checkAtEnd(t, function, r, func() (Binding, error) { return b, nil })
		}
	})
	return transport
}

// checkAtEnd checks what r recorded, at the end of a test. A test that
// failed before its function made a call has said what went wrong.
func checkAtEnd(t testing.TB, function string, r *Recorder, binding func() (Binding, error)) {
	calls := r.Calls()
	if t.Failed() && len(calls) == 0 {
		return
	}
	b, err := binding()
	if err != nil {
		t.Error(err)
		return
	}
	CheckBound(t, function, b, calls)
}

// Check fails the test unless function's execution role, in the template
// as the SAM translator makes it, allows every call in calls. env is the
// environment the function ran with, which says what the template's
// resources and parameters are in the test (BindingOf). A test that
// recorded no call fails too: it would check nothing.
func Check(t testing.TB, function string, env []string, calls []Call) {
	t.Helper()
	tmpl := Template(t)
	b, err := BindingOf(tmpl, function, env)
	if err != nil {
		t.Fatal(err)
	}
	CheckBound(t, function, b, calls)
}

// CheckBound is Check with the template's names bound explicitly, for a
// handler run in the test rather than a function given an environment.
func CheckBound(t testing.TB, function string, b Binding, calls []Call) {
	t.Helper()
	if len(calls) == 0 {
		t.Fatalf("%s made no AWS call through the recorder; nothing to check", function)
	}
	role, err := RoleOf(Template(t), function, b)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range conditionKeys(role.Policies) {
		if !carriedKeys[key] {
			t.Fatalf("%s's policies condition on %s, which recorded calls do not carry; teach the recorder to read it", role.ID, key)
		}
	}
	// Each distinct authorization once.
	unique := map[string]Call{}
	for _, c := range calls {
		if c.Problem != "" {
			t.Errorf("%s made a call the recorder cannot read: %s", function, c)
			continue
		}
		unique[c.String()] = c
	}
	keys := slices.Sorted(maps.Keys(unique))
	requests := make([]Request, len(keys))
	for i, k := range keys {
		c := unique[k]
		requests[i] = Request{
			Principal: "arn:" + Partition + ":iam::" + AccountID + ":role/" + role.ID,
			Action:    c.Action,
			Resource:  c.Resource,
			Context:   c.Context,
			Policies:  role.Policies,
		}
	}
	decisions, err := Simulate(requests)
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range decisions {
		c := unique[keys[i]]
		switch {
		case d.Result == "Error":
			t.Errorf("%s: %s cannot be simulated: %s", function, c, d.Errors)
		case len(d.IgnoredContextKeys) > 0:
			t.Errorf("%s: %s carries %s, which does not apply to the action; the recorder is wrong", function, c, strings.Join(d.IgnoredContextKeys, ", "))
		case d.Result != "Allowed":
			t.Errorf("%s's role %s does not allow %s (%s)", function, role.ID, c, d.Result)
		}
	}
	t.Logf("%s: %d recorded calls, %d distinct, simulated against %s", function, len(calls), len(keys), role.ID)
}

// conditionKeys returns the condition keys the statements of policies
// use, sorted, in lower case but for their service prefix, as IAM compares
// them without regard to case.
func conditionKeys(policies []Policy) []string {
	found := map[string]bool{}
	for _, p := range policies {
		for _, st := range leaves(dig(p.Document, "Statement")) {
			cond, _ := dig(st, "Condition").(map[string]any)
			for _, byKey := range cond {
				m, _ := byKey.(map[string]any)
				for key := range m {
					found[canonicalKey(key)] = true
				}
			}
		}
	}
	return slices.Sorted(maps.Keys(found))
}

// canonicalKey spells a condition key as carriedKeys does.
func canonicalKey(key string) string {
	for k := range carriedKeys {
		if strings.EqualFold(k, key) {
			return k
		}
	}
	return key
}

// String returns the decision as a word, for messages.
func (d Decision) String() string {
	if d.Errors != "" {
		return fmt.Sprintf("%s: %s", d.Result, d.Errors)
	}
	return d.Result
}
