package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// lambdaArch is the architecture the template deploys the functions on.
const lambdaArch = "arm64"

// binaries are the bootstraps of one build: program name to path.
type binaries map[string]string

// build builds the bootstrap of every program (the floor and each
// function) for goarch, with the flags of the Makefile's go-bootstrap, into
// a directory of its own under dir.
func build(ctx context.Context, root, dir, goarch string, programs []program) (binaries, error) {
	out := filepath.Join(dir, goarch)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	// One go build for all of them: with -o naming a directory, each main
	// package is written there under its directory's name.
	args := []string{"build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-o", out + string(filepath.Separator)}
	for _, p := range programs {
		args = append(args, p.pkg)
	}
	cmd := exec.CommandContext(ctx, goTool(), args...)
	cmd.Dir = root
	cmd.Env = append(toolEnv(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+goarch)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go %s (GOARCH=%s): %v\n%s", strings.Join(args, " "), goarch, err, stderr.String())
	}
	bins := binaries{}
	for _, p := range programs {
		path := filepath.Join(out, filepath.Base(p.pkg))
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("go build wrote no %s: %v", path, err)
		}
		bins[p.name] = path
	}
	return bins, nil
}

// goTool is the go command: the one on PATH, as make runs it, or else
// the toolchain this program was built with.
func goTool() string {
	if path, err := exec.LookPath("go"); err == nil {
		return path
	}
	if root := runtime.GOROOT(); root != "" {
		return filepath.Join(root, "bin", "go")
	}
	return "go"
}

// hostArch is the architecture the bootstraps are run on here.
func hostArch() string { return runtime.GOARCH }

// sizes returns the size of a file and the size of its gzip -9
// compression. Lambda's deployment package is a zip, compressed with
// deflate, as gzip is; the gzip size stands in for the zip's.
func sizes(path string) (raw, zipped int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	var n countingWriter
	zw, err := gzip.NewWriterLevel(&n, gzip.BestCompression)
	if err != nil {
		return 0, 0, err
	}
	raw, err = io.Copy(zw, f)
	if err != nil {
		return 0, 0, err
	}
	if err := zw.Close(); err != nil {
		return 0, 0, err
	}
	return raw, int64(n), nil
}

type countingWriter int64

func (c *countingWriter) Write(p []byte) (int, error) {
	*c += countingWriter(len(p))
	return len(p), nil
}

// toolEnv is this process's environment for the go commands the harness
// runs, without the CA-bundle variables: a bundle makes the AWS SDK read
// and parse it whenever it builds an HTTP client, which neither Lambda
// nor the functions' benchmarks should pay for.
func toolEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if caBundleVar(name) {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// caBundleVar reports whether an environment variable names a CA bundle,
// such as AWS_CA_BUNDLE or REQUESTS_CA_BUNDLE.
func caBundleVar(name string) bool {
	return strings.Contains(strings.ToUpper(name), "CA_BUNDLE")
}
