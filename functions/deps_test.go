// Package functions holds one main package a Lambda function, each in its
// own directory; this file, which holds tests only, keeps the rule on
// paths that says what may be linked where:
//
//   - functions/<name>: a Lambda function's thin main. It may link the
//     product under internal/ and nothing under cmd/, devtools/,
//     internal/local/ or internal/testing/ (TestFunctionsLinkNoLocalTooling).
//   - internal/ outside local/ and testing/: the product. None of its
//     packages may link anything under internal/local/ or internal/testing/
//     (TestProductLinksNoLocalCode); its tests may use the test tooling.
//   - internal/local/: the local server and what only it needs. It may link
//     the product, and nothing under internal/testing/, so that the local
//     server carries no test tooling (TestLocalLinksNoTestTooling).
//   - internal/testing/: test tooling, for tests, cmd/ and devtools/.
//   - cmd/ and devtools/: commands and measurement; main packages, which
//     nothing links.
package functions

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// module is this module's path.
const module = "example.com/appointments"

// root is the repository's root, from this package's directory.
const root = ".."

// localOnly are the paths of code that serves local development,
// measurement and tests: the commands (cmd/), the measuring tools
// (devtools/), the local server and its stores (internal/local/) and the
// test tooling (internal/testing/), and the libraries only they use. A
// Lambda bootstrap carries only what production needs, so nothing under
// them may be linked into a function: it would add size and cold-start
// time, and code that never runs on AWS.
var localOnly = []string{
	module + "/cmd",
	module + "/devtools",
	module + "/internal/local",
	module + "/internal/testing",
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams",
	"github.com/chromedp/chromedp",
	"go.etcd.io/bbolt",
}

// sdkConfigLoading are packages that add size and cold-start time and that
// the functions do without: the AWS SDK's general configuration loading and
// the credential sources it links (shared config files, SSO, STS role
// chains, the instance metadata service), since on Lambda the
// configuration is in the environment, which internal/awsenv reads.
var sdkConfigLoading = []string{
	"github.com/aws/aws-sdk-go-v2/config",
	"github.com/aws/aws-sdk-go-v2/service/sso",
	"github.com/aws/aws-sdk-go-v2/service/ssooidc",
	"github.com/aws/aws-sdk-go-v2/service/sts",
	"github.com/aws/aws-sdk-go-v2/service/signin",
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds",
	"github.com/aws/aws-sdk-go-v2/internal/ini",
}

// phoneLibrary decodes all of libphonenumber's metadata when a program
// starts, about 20 ms and 5 MB of a cold start. Only the functions that
// read a patient's number (SubmitFunction) or show one in an email
// (NotifyFunction, DigestFunction, and RemindFunction, which composes its
// reminders with the emails' one composer, internal/email) may link it.
const phoneLibrary = "github.com/nyaruka/phonenumbers"

var readsPhoneNumbers = map[string]bool{"submit": true, "notify": true, "digest": true, "remind": true}

// TestFunctionsLinkNoLocalTooling lists what each function's main package
// (every directory in functions/) links, as the Makefile builds it, and
// fails on any local-only package or any of the SDK's configuration
// loading.
func TestFunctionsLinkNoLocalTooling(t *testing.T) {
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var functions []string
	for _, e := range entries {
		if e.IsDir() {
			functions = append(functions, e.Name())
		}
	}
	if len(functions) < 5 {
		t.Fatalf("functions/ holds only %v", functions)
	}
	var patterns []string
	for _, fn := range functions {
		patterns = append(patterns, "./functions/"+fn)
	}
	all := bootstrapDeps(t, patterns...)
	for _, fn := range functions {
		deps := all[module+"/functions/"+fn]
		if len(deps) < 10 {
			t.Fatalf("go list -deps ./functions/%s listed only %v", fn, deps)
		}
		if !readsPhoneNumbers[fn] && slices.Contains(deps, phoneLibrary) {
			t.Errorf("functions/%s links %s, which it does not need and which slows its cold start (see phoneLibrary)", fn, phoneLibrary)
		}
		for _, dep := range under(deps, localOnly) {
			t.Errorf("functions/%s links %s, which is local tooling", fn, dep)
		}
		for _, dep := range under(deps, sdkConfigLoading) {
			t.Errorf("functions/%s links %s, which slows every cold start (see sdkConfigLoading)", fn, dep)
		}
	}
}

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
	for _, dep := range under(deps, banned) {
		t.Errorf("functions/manage links %s", dep)
	}
}

// TestProductLinksNoLocalCode: no product package (internal/, outside
// internal/local/ and internal/testing/) links anything under
// internal/local/ or internal/testing/, so that what those paths hold is
// local-only and test tooling in fact, and a function that links the
// product links none of it.
func TestProductLinksNoLocalCode(t *testing.T) {
	all := listDeps(t, nil, "./internal/...")
	product := 0
	for pkg, deps := range all {
		if len(under([]string{pkg}, []string{module + "/internal/local", module + "/internal/testing"})) > 0 {
			continue
		}
		product++
		for _, dep := range under(deps, []string{module + "/internal/local", module + "/internal/testing"}) {
			t.Errorf("%s links %s; product code may link nothing under internal/local/ or internal/testing/", pkg, dep)
		}
	}
	if product < 10 {
		t.Fatalf("go list found only %d product packages under internal/", product)
	}
}

// TestLocalLinksNoTestTooling: the local server and its stores link
// nothing under internal/testing/, so that the local server carries no
// test tooling.
func TestLocalLinksNoTestTooling(t *testing.T) {
	all := listDeps(t, nil, "./internal/local/...")
	if len(all) < 3 {
		t.Fatalf("go list found only %v under internal/local/", all)
	}
	for pkg, deps := range all {
		for _, dep := range under(deps, []string{module + "/internal/testing"}) {
			t.Errorf("%s links %s, which is test tooling", pkg, dep)
		}
	}
}

// ownPackages are, for each function, the package of its handler and the
// package of its constructor. A function's bootstrap links its own and no
// other function's: each function's wiring is a package of its own, so
// that a change to one function's handler never grows another's binary or
// cold start. internal/notify, the email sender, and internal/wire/mailer,
// which builds it, are no function's own: NotifyFunction sends the emails
// of the table's changes with them, and RemindFunction its reminders.
var ownPackages = map[string][]string{
	"submit":   {module + "/internal/httpapi", module + "/internal/wire/submitfn"},
	"notify":   {module + "/internal/wire/notifyfn"},
	"manage":   {module + "/internal/manage", module + "/internal/wire/managefn"},
	"digest":   {module + "/internal/digest", module + "/internal/wire/digestfn"},
	"feedback": {module + "/internal/feedback", module + "/internal/wire/feedbackfn"},
	"remind":   {module + "/internal/remind", module + "/internal/wire/remindfn"},
}

// TestFunctionsLinkNoOtherHandler: no function's bootstrap links another
// function's handler or constructor.
func TestFunctionsLinkNoOtherHandler(t *testing.T) {
	var patterns []string
	for fn := range ownPackages {
		patterns = append(patterns, "./functions/"+fn)
	}
	all := bootstrapDeps(t, patterns...)
	for fn, own := range ownPackages {
		deps := all[module+"/functions/"+fn]
		for _, pkg := range own {
			if !slices.Contains(deps, pkg) {
				t.Fatalf("functions/%s does not link its own %s; ownPackages is out of date", fn, pkg)
			}
		}
		for other, theirs := range ownPackages {
			if other == fn {
				continue
			}
			for _, pkg := range theirs {
				if slices.Contains(deps, pkg) {
					t.Errorf("functions/%s links %s, which is functions/%s's", fn, pkg, other)
				}
			}
		}
	}
}

// TestCoreDependsOnNoAdapter: the domain and the handlers' cores reach AWS
// only through the interfaces they declare, so none of them links an
// adapter or an AWS service client; main wires the adapters in. The local
// server's embedded store is an adapter that needs no AWS, so it links none
// of them either.
func TestCoreDependsOnNoAdapter(t *testing.T) {
	adapters := []string{
		"example.com/appointments/internal/dynamo",
		"example.com/appointments/internal/local/dynamostreams",
		"example.com/appointments/internal/ses",
		"example.com/appointments/internal/local/localstore",
		"example.com/appointments/internal/secretsmanager",
		"example.com/appointments/internal/turnstile",
		"github.com/aws/aws-sdk-go-v2/service/",
	}
	core := []string{"appointment", "config", "clinic", "email", "httpapi", "notify", "manage", "digest", "feedback", "remind", "actionlink", "calendar", "local/localstore"}
	var patterns []string
	for _, pkg := range core {
		patterns = append(patterns, "./internal/"+pkg)
	}
	all := listDeps(t, nil, patterns...)
	for _, pkg := range core {
		if len(all[module+"/internal/"+pkg]) == 0 {
			t.Fatalf("go list found no dependencies of internal/%s", pkg)
		}
		for _, dep := range all[module+"/internal/"+pkg] {
			for _, a := range adapters {
				if dep == "example.com/appointments/internal/"+pkg {
					continue
				}
				if dep == a || (strings.HasSuffix(a, "/") && strings.HasPrefix(dep, a)) {
					t.Errorf("internal/%s depends on %s", pkg, dep)
				}
			}
		}
	}
}

// under returns the packages of deps that are one of paths or below one.
func under(deps, paths []string) []string {
	var out []string
	for _, dep := range deps {
		for _, p := range paths {
			if dep == p || strings.HasPrefix(dep, p+"/") {
				out = append(out, dep)
				break
			}
		}
	}
	return out
}

// bootstrapDeps lists what each package of patterns links when built as
// the Makefile builds a function's bootstrap.
func bootstrapDeps(t *testing.T, patterns ...string) map[string][]string {
	t.Helper()
	return listDeps(t, []string{"CGO_ENABLED=0", "GOOS=linux"}, append([]string{"-tags", "lambda.norpc"}, patterns...)...)
}

// listDeps runs go list once for all of args (flags, then package
// patterns) with env added to the environment, and returns each listed
// package's dependencies, direct and indirect, by import path. Test files
// are not listed: the rule is on what packages link, and tests may use the
// test tooling.
func listDeps(t *testing.T, env []string, args ...string) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list", "-f", "{{.ImportPath}}{{range .Deps}} {{.}}{{end}}"}, args...)...)
	cmd.Dir = root
	cmd.Env = append(cmd.Environ(), env...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %v: %v", args, err)
	}
	deps := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		deps[fields[0]] = fields[1:]
	}
	return deps
}

// TestRuleCatchesALink: the rule on paths fails a link that breaks it, so
// that a passing run means something.
func TestRuleCatchesALink(t *testing.T) {
	got := under([]string{
		"example.com/appointments/internal/appointment",
		"example.com/appointments/internal/testing/mototest",
		"example.com/appointments/internal/localizer",
		"example.com/appointments/internal/local",
	}, []string{module + "/internal/local", module + "/internal/testing"})
	want := []string{"example.com/appointments/internal/testing/mototest", "example.com/appointments/internal/local"}
	if !slices.Equal(got, want) {
		t.Errorf("under() = %v, want %v", got, want)
	}
}
