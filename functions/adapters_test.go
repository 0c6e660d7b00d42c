package functions

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// adapters are the packages that stand for one dependency each, with the
// import paths of that dependency: its SDK or library. An adapter imports
// only those, the standard library and the domain, never another adapter
// or a handler, so that a function links no more than it wires in.
var adapters = map[string][]string{
	"internal/ses":              {"github.com/aws/aws-sdk-go-v2/", "github.com/aws/smithy-go"},
	"internal/dynamo":           {"github.com/aws/aws-sdk-go-v2/", "github.com/aws/smithy-go", "github.com/aws/aws-lambda-go/events"},
	"internal/secretsmanager":   {"github.com/aws/aws-sdk-go-v2/service/secretsmanager"},
	"internal/turnstile":        {},
	"internal/local/localstore": {"go.etcd.io/bbolt"},
}

// domain are the packages of this module that hold the product's rules
// and need nothing from outside: any package may import them.
var domain = []string{"internal/appointment", "internal/actionlink", "internal/clinic", "internal/calendar", "internal/i18n"}

// TestAdaptersDependOnTheirSDKAndTheDomain: each adapter imports its own
// SDK or library, the standard library and the domain, and, through them,
// no other package of this module.
func TestAdaptersDependOnTheirSDKAndTheDomain(t *testing.T) {
	var patterns []string
	for pkg := range adapters {
		patterns = append(patterns, "./"+pkg)
	}
	deps := listDeps(t, nil, patterns...)
	for pkg, sdk := range adapters {
		path := module + "/" + pkg
		if len(deps[path]) == 0 {
			t.Fatalf("go list found no dependencies of %s", pkg)
		}
		for _, imp := range directImports(t, pkg) {
			if standard(imp) || strings.HasPrefix(imp, module+"/") {
				continue
			}
			if !slices.ContainsFunc(sdk, func(p string) bool { return imp == strings.TrimSuffix(p, "/") || strings.HasPrefix(imp, p) }) {
				t.Errorf("%s imports %s, which is neither its SDK nor the domain", pkg, imp)
			}
		}
		for _, dep := range deps[path] {
			if strings.HasPrefix(dep, module+"/") && !slices.Contains(domain, strings.TrimPrefix(dep, module+"/")) {
				t.Errorf("%s depends on %s, which is not the domain", pkg, dep)
			}
		}
	}
}

// directImports returns the packages the non-test files of the package in
// dir, relative to the repository's root, import.
func directImports(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, dir, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files in %s: %v", dir, err)
	}
	var imports []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, spec := range f.Imports {
			path, err := strconv.Unquote(spec.Path.Value)
			if err != nil {
				t.Fatal(err)
			}
			imports = append(imports, path)
		}
	}
	return imports
}

// standard reports whether an import path is the standard library's: its
// first element has no dot.
func standard(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}
