package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"example.com/appointments/internal/testing/awsstub"
	"example.com/appointments/internal/testing/samtemplate"
)

// TestShortRun runs the whole harness in its CI mode, as make bench does
// but with -short: every bootstrap built for arm64 and for this machine,
// started cold, invoked with its events and every answer checked, the Go
// benchmarks run once each. It checks that the table has every measure for
// every program, each a number, and that the benchmarks reported; it
// asserts nothing about speed, which this machine cannot promise.
//
// The harness runs with go run, so that it is built as make bench builds
// it: under go test -race its compression of the bootstraps alone would
// take a minute. TestFunctionProcess exercises its concurrent parts under
// the race detector instead.
func TestShortRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every bootstrap for two architectures and starts each cold; runs without -short (make test)")
	}
	out := filepath.Join(t.TempDir(), "table.md")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goTool(), "run", ".", "-short", "-o", out)
	// The harness must keep a CA bundle from everything it starts, which
	// this setting would otherwise reach.
	cmd.Env = append(os.Environ(), "AWS_CA_BUNDLE="+filepath.Join(t.TempDir(), "missing-bundle.pem"))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go run ./devtools/bench -short: %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	t.Log(stderr.String())
	written, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(stdout.String(), string(written)) {
		t.Errorf("the table written with -o is not the one printed first:\n%s\n---\n%s", written, stdout.String())
	}

	names := []string{"floor", "submit", "notify", "manage", "digest", "remind", "feedback"}
	rows := parseTable(t, string(written))
	if got := rows["measure"]; !slices.Equal(got, names) {
		t.Fatalf("columns = %q, want %q", got, names)
	}
	number := regexp.MustCompile(`^\d+(\.\d+)?( \(\d+(\.\d+)?x\))?$`)
	for _, m := range measures {
		cells, ok := rows[m.name]
		if !ok {
			t.Errorf("no row %q", m.name)
			continue
		}
		if len(cells) != len(names) {
			t.Errorf("row %q has %d cells, want %d", m.name, len(cells), len(names))
			continue
		}
		for i, c := range cells {
			if !number.MatchString(c) {
				t.Errorf("%s of %s = %q, not a number", m.name, names[i], c)
			}
		}
	}
	// What is not a matter of speed must be there: sizes, memory, and the
	// AWS calls each function makes.
	for _, row := range []string{"bootstrap arm64 raw MB", "bootstrap arm64 zipped MB", "peak RSS MB"} {
		for i, c := range rows[row] {
			if strings.HasPrefix(c, "0.00") {
				t.Errorf("%s of %s = %q", row, names[i], c)
			}
		}
	}
	for i, c := range rows["AWS calls per invocation"] {
		if zero := strings.HasPrefix(c, "0.00"); zero != (names[i] == "floor") {
			t.Errorf("AWS calls per invocation of %s = %q", names[i], c)
		}
	}

	for _, b := range benchmarks {
		if !regexp.MustCompile(`(?m)^Benchmark` + b.name + `(-\d+)?\s+1\s+[\d.]+ ns/op\s+\d+ B/op\s+\d+ allocs/op$`).MatchString(stdout.String()) {
			t.Errorf("no line of Benchmark%s in the output:\n%s", b.name, stdout.String())
		}
	}
}

// parseTable reads a markdown table into its rows' cells, by the first
// cell; the header row is under its first cell too.
func parseTable(t *testing.T, s string) map[string][]string {
	t.Helper()
	rows := map[string][]string{}
	for line := range strings.Lines(strings.TrimSpace(s)) {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "|") || strings.HasPrefix(line, "|---") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		rows[cells[0]] = cells[1:]
	}
	return rows
}

// TestEnvironments: a function gets the template's variables with the
// stub's endpoint, region and credentials and Lambda's own, and nothing
// from the harness's environment; the go commands get the harness's
// environment without its CA bundles.
func TestEnvironments(t *testing.T) {
	t.Setenv("AWS_CA_BUNDLE", "/etc/ssl/bundle.pem")
	t.Setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/bundle.pem")
	t.Setenv("BENCH_TEST_MARKER", "harness")
	root, stub, progs := setUp(t)
	for _, p := range progs {
		env, err := lambdaEnv(root, p, stub, "/tmp/bench/"+p.name)
		if err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
		vars := map[string]string{}
		for _, kv := range env {
			k, v, _ := strings.Cut(kv, "=")
			vars[k] = v
		}
		for k, want := range map[string]string{
			"AWS_ENDPOINT_URL":                stub.URL,
			"AWS_REGION":                      awsstub.Region,
			"AWS_ACCESS_KEY_ID":               awsstub.AccessKeyID,
			"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
			"AWS_LAMBDA_FUNCTION_NAME":        functionName(p),
		} {
			if vars[k] != want {
				t.Errorf("%s: %s = %q, want %q", p.name, k, vars[k], want)
			}
		}
		for _, k := range []string{"AWS_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "BENCH_TEST_MARKER", "HOME"} {
			if v, ok := vars[k]; ok {
				t.Errorf("%s: the function gets %s=%q", p.name, k, v)
			}
		}
		if p.logicalID != "" && vars["TABLE_NAME"] != tableName {
			t.Errorf("%s: TABLE_NAME = %q", p.name, vars["TABLE_NAME"])
		}
	}
	tool := strings.Join(toolEnv(), "\n")
	if strings.Contains(tool, "CA_BUNDLE") || !strings.Contains(tool, "BENCH_TEST_MARKER=harness") {
		t.Errorf("the go commands' environment:\n%s", tool)
	}
}

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	for _, tt := range []struct {
		p    float64
		want time.Duration
	}{{50, 50 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}, {1, time.Millisecond}} {
		if got := percentile(ds, tt.p); got != tt.want {
			t.Errorf("percentile(1..100 ms, %v) = %v, want %v", tt.p, got, tt.want)
		}
	}
	if got := percentile([]time.Duration{3, 1, 2}, 50); got != 2 {
		t.Errorf("median of 3, 1, 2 = %v", got)
	}
	if got := percentile(nil, 50); got != 0 {
		t.Errorf("percentile of nothing = %v", got)
	}
}

func TestTable(t *testing.T) {
	progs := []program{{name: "floor"}, {name: "fn"}}
	results := map[string]*result{
		"floor": {rawSize: 5_000_000, zippedSize: 2_000_000, inits: []time.Duration{2 * time.Millisecond}, latencies: []time.Duration{100 * time.Microsecond}, cpu: 10 * time.Millisecond, invocations: 100, calls: map[string]int{}, peakRSS: 6_000_000},
		"fn":    {rawSize: 15_000_000, zippedSize: 5_000_000, inits: []time.Duration{12 * time.Millisecond}, latencies: []time.Duration{time.Millisecond}, cpu: 150 * time.Millisecond, invocations: 100, calls: map[string]int{"DynamoDB.GetItem": 100, "SES.SendRawEmail": 200}, peakRSS: 24_000_000},
	}
	got := table(progs, results)
	for _, want := range []string{
		"| measure | floor | fn |",
		"| bootstrap arm64 raw MB | 5.00 (1.0x) | 15.0 (3.0x) |",
		"| init to ready median ms | 2.00 (1.0x) | 12.0 (6.0x) |",
		"| warm latency median ms | 0.100 (1.0x) | 1.00 (10.0x) |",
		"| CPU per invocation ms | 0.100 (1.0x) | 1.50 (15.0x) |",
		"| AWS calls per invocation | 0.00 | 3.00 |",
		"| peak RSS MB | 6.00 (1.0x) | 24.0 (4.0x) |",
	} {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("table lacks %q:\n%s", want, got)
		}
	}
}

// TestFunctionProcess starts bootstraps as the harness does, under the
// race detector when the tests run with it: the floor answers its events
// through the harness's Runtime API and reports its CPU time and memory,
// and a function that cannot start is reported with its output.
func TestFunctionProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two bootstraps and starts them; runs without -short (make test)")
	}
	root, stub, progs := setUp(t)
	floor, submit := progs[0], progs[1]
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	bins, err := build(ctx, root, t.TempDir(), hostArch(), []program{floor, submit})
	if err != nil {
		t.Fatal(err)
	}

	env, err := lambdaEnv(root, floor, stub, bins[floor.name])
	if err != nil {
		t.Fatal(err)
	}
	p, err := launch(bins[floor.name], env, functionARN(floor))
	if err != nil {
		t.Fatal(err)
	}
	defer p.stop()
	if _, err := p.waitReady(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		inv, err := p.invoke(ctx, []byte(`{"n":1}`), floor.timeout)
		if err != nil {
			t.Fatalf("invocation %d: %v", i, err)
		}
		if inv.failed || floor.check(inv.response) != nil || inv.answered.Before(inv.delivered) {
			t.Errorf("invocation %d: failed %v, answer %s", i, inv.failed, inv.response)
		}
	}
	if _, err := p.cpuTime(); err != nil {
		t.Error(err)
	}
	if rss, err := p.peakRSS(); err != nil || rss <= 0 {
		t.Errorf("peakRSS() = %d, %v", rss, err)
	}

	// Without the template's variables the submit function refuses to
	// start, and says why.
	broken, err := launch(bins[submit.name], stub.Env(), functionARN(submit))
	if err != nil {
		t.Fatal(err)
	}
	defer broken.stop()
	_, err = broken.waitReady(ctx)
	if err == nil || !strings.Contains(err.Error(), "exited during init") || !strings.Contains(err.Error(), "TABLE_NAME is not set") {
		t.Errorf("waitReady() of a function that cannot start = %v", err)
	}
}

// setUp returns the repository's root, a stub of AWS that the test's end
// stops, and the programs the harness measures.
func setUp(t *testing.T) (string, *awsstub.Server, []program) {
	t.Helper()
	root, err := samtemplate.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	stub, err := awsstub.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stub.Close() })
	progs, err := programs(&fixtures{root: root})
	if err != nil {
		t.Fatal(err)
	}
	return root, stub, progs
}
