package main

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"slices"
	"strings"
)

// benchmarks are the Go benchmarks run after the table, by package: the
// parts of the functions' work measured alone (decoding and validating a
// submission, composing the two emails of a request) and each whole
// handler over the real store and clients against internal/testing/awsstub.
var benchmarks = []struct{ pkg, name string }{
	{"./internal/httpapi", "DecodeValidate"},
	{"./internal/email", "Compose"},
	{"./internal/httpapi", "SubmitHandler"},
	{"./internal/notify", "NotifyHandler"},
	{"./internal/manage", "ManageHandler"},
	{"./internal/digest", "DigestHandler"},
	{"./internal/feedback", "FeedbackHandler"},
}

// runBenchmarks runs the benchmarks with go test -bench -benchmem and
// returns go test's output, which benchstat reads. Every benchmark must
// report a result.
func runBenchmarks(ctx context.Context, root, benchtime string) (string, error) {
	var names, pkgs []string
	for _, b := range benchmarks {
		names = append(names, b.name)
		if !slices.Contains(pkgs, b.pkg) {
			pkgs = append(pkgs, b.pkg)
		}
	}
	args := []string{"test", "-run", "^$", "-bench", "^Benchmark(" + strings.Join(names, "|") + ")$", "-benchmem"}
	if benchtime != "" {
		args = append(args, "-benchtime", benchtime)
	}
	args = append(args, pkgs...)
	cmd := exec.CommandContext(ctx, goTool(), args...)
	cmd.Dir = root
	cmd.Env = toolEnv()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	for _, name := range names {
		if !regexp.MustCompile(`(?m)^Benchmark` + name + `(-\d+)?\s+\d+\s+[\d.]+ ns/op`).MatchString(out.String()) {
			return "", fmt.Errorf("benchmark %s reported no result:\n%s", name, out.String())
		}
	}
	return out.String(), nil
}
