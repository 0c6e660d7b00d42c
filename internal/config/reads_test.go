package config

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestNothingElseReadsTheEnvironment: outside this package, no product code
// under internal/ reads an environment variable, so that every setting has
// its one default and check here. internal/awsenv reads the AWS SDK's own
// variables; test tooling (internal/testing) is not product code.
func TestNothingElseReadsTheEnvironment(t *testing.T) {
	reads := regexp.MustCompile(`\b(Getenv|LookupEnv)\(|\bgetenv\("`)
	allowed := map[string]bool{"config": true, "awsenv": true}
	root := ".."
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if allowed[rel] || rel == "testing" || d.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		checked++
		if loc := reads.FindIndex(b); loc != nil {
			t.Errorf("internal/%s reads the environment (%s); settings belong in internal/config", rel, b[loc[0]:loc[1]])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("checked only %d files under internal/", checked)
	}
}
