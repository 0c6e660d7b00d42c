package lambdatest_test

import (
	"os"
	"path/filepath"
	"testing"

	"example.com/appointments/internal/testing/lambdatest"
)

func TestRepoRoot(t *testing.T) {
	root := lambdatest.RepoRoot(t)
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Errorf("RepoRoot() = %q, which has no go.mod: %v", root, err)
	}
}

func TestBuildEmulator(t *testing.T) {
	path := lambdatest.BuildEmulator(t)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatalf("BuildEmulator() = %q: %v", path, err)
	}
	if info.Mode()&0o111 == 0 {
		t.Errorf("BuildEmulator() = %q, mode %v, want an executable", path, info.Mode())
	}
}

// TestEnvWith: the changed setting reads its new value, every other its
// base one, and one base lacks reads empty.
func TestEnvWith(t *testing.T) {
	getenv := lambdatest.EnvWith(map[string]string{"A": "1", "B": "2"}, "B", "")
	for k, want := range map[string]string{"A": "1", "B": "", "C": ""} {
		if got := getenv(k); got != want {
			t.Errorf("getenv(%q) = %q, want %q", k, got, want)
		}
	}
}
