package docs

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// packageDirs are the directories of the repository that hold Go code,
// relative to its root, leaving out test data.
func packageDirs(t *testing.T) []string {
	t.Helper()
	var dirs []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != root || d.Name() == "node_modules" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") {
			rel, _ := filepath.Rel(root, filepath.Dir(path))
			if !slices.Contains(dirs, rel) {
				dirs = append(dirs, rel)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) < 30 {
		t.Fatalf("found only %d directories of Go code: %v", len(dirs), dirs)
	}
	return dirs
}

// layoutEntry is a path at the start of a line of the README's layout,
// such as internal/appointment/ or functions/<name>/.
var layoutEntry = regexp.MustCompile(`(?m)^([a-z.][a-z0-9_./<>*-]*)\s`)

// readmeLayout returns the paths the README's "Project layout" names.
func readmeLayout(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	start := strings.Index(text, "## Project layout")
	if start < 0 {
		t.Fatal("README.md has no Project layout section")
	}
	block := fence.FindString(text[start:])
	var paths []string
	for _, m := range layoutEntry.FindAllStringSubmatch(block, -1) {
		paths = append(paths, m[1])
	}
	return paths
}

// covers reports whether the layout entry e names dir: the directory
// itself, a directory above it (ending in /), a pattern with <name>, or
// files of the directory (with *).
func covers(e, dir string) bool {
	if strings.Contains(e, "<name>") {
		prefix, _, _ := strings.Cut(e, "<name>")
		rest := strings.TrimPrefix(dir+"/", prefix)
		return rest != dir+"/" && strings.Count(rest, "/") == 1
	}
	if strings.Contains(e, "*") {
		return filepath.Dir(e) == dir
	}
	if strings.HasSuffix(e, "/") {
		return dir+"/" == e || strings.HasPrefix(dir+"/", e)
	}
	return false
}

// TestLayoutNamesEveryPackage: the README's layout names every directory
// of Go code (itself, or a directory above it), and every path it names
// exists, so that the layout and the tree cannot drift apart.
func TestLayoutNamesEveryPackage(t *testing.T) {
	layout := readmeLayout(t)
	for _, dir := range packageDirs(t) {
		if !slices.ContainsFunc(layout, func(e string) bool { return covers(e, dir) }) {
			t.Errorf("README.md's layout does not name %s/", dir)
		}
	}
	for _, e := range layout {
		if strings.ContainsAny(e, "<*") {
			continue
		}
		if _, err := os.Stat(filepath.Join(root, e)); err != nil {
			t.Errorf("README.md's layout names %s, which does not exist", e)
		}
	}
}

// codePath is a path of the repository's code in backquotes, as
// docs/architecture.md names packages and files.
var codePath = regexp.MustCompile("`((?:internal|functions|cmd|devtools|infra)/[a-z0-9_./-]*)`")

// TestArchitectureNamesRealPaths: every package and file that
// docs/architecture.md names exists, and it names every package of the
// product under internal/ (outside internal/local and internal/testing,
// which it describes as wholes), so that it stays the map of the code.
func TestArchitectureNamesRealPaths(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, "docs", "architecture.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	if n := strings.Count(text, "\n"); n > 150 {
		t.Errorf("docs/architecture.md has %d lines, more than the 150 a newcomer reads at once", n)
	}
	named := map[string]bool{}
	for _, m := range codePath.FindAllStringSubmatch(text, -1) {
		p := strings.TrimSuffix(m[1], "/")
		named[p] = true
		if strings.Contains(p, "<") {
			continue
		}
		if _, err := os.Stat(filepath.Join(root, p)); err != nil {
			t.Errorf("docs/architecture.md names %s, which does not exist", p)
		}
	}
	for _, dir := range packageDirs(t) {
		product := strings.HasPrefix(dir, "internal/") && !strings.HasPrefix(dir, "internal/local/") && !strings.HasPrefix(dir, "internal/testing/")
		if product && !named[dir] && !named[filepath.Dir(dir)] {
			t.Errorf("docs/architecture.md does not name %s", dir)
		}
	}
}
