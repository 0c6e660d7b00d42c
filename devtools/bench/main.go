// Command bench is the performance harness of the Lambda functions, run by
// `make bench`. For the floor (devtools/bench/floor, a function that only
// answers "ok") and each function it measures:
//
//   - the bootstrap's size for arm64, raw and compressed, built with the
//     Makefile's production flags;
//   - init to ready: the time from starting the bootstrap (built for this
//     machine) to its first request for an event on the Runtime API, over
//     -launches cold starts, the median;
//   - warm invocations: -invocations realistic events handed to one
//     process, one after the other, each answer checked; the latency from
//     delivering an event to receiving the answer (median and p99), the
//     CPU time per invocation, the AWS calls per invocation and the peak
//     resident memory.
//
// The functions run as on Lambda: each process gets the environment Lambda
// would give it (template.yaml's variables, 128 MB, JSON logs) and a
// Runtime API that the harness serves on 127.0.0.1, and calls DynamoDB, SES
// and Secrets Manager at internal/testing/awsstub, a loopback stub that answers at
// once. Then it runs the functions' Go benchmarks (go test -bench) and
// prints one table, each figure with its ratio to the floor's, followed by
// the benchmarks' output as go test prints it.
//
// Usage:
//
//	go run ./devtools/bench [-short] [-launches 20] [-invocations 2000] [-benchtime 1s] [-ses-rate 100000] [-o table.md]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"example.com/appointments/internal/actionlink"
	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/dynamo"
	"example.com/appointments/internal/testing/awsstub"
	"example.com/appointments/internal/testing/samtemplate"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "bench:", err)
		}
		os.Exit(1)
	}
}

// options are the command's flags.
type options struct {
	short       bool
	launches    int
	invocations int
	benchtime   string
	sesRate     float64
	out         string
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&o.short, "short", false, "CI mode: 2 launches, 20 invocations, -benchtime 1x (flags given explicitly win)")
	fs.IntVar(&o.launches, "launches", 20, "cold starts of each bootstrap for init to ready")
	fs.IntVar(&o.invocations, "invocations", 2000, "warm invocations of each function, after one that is not measured")
	fs.StringVar(&o.benchtime, "benchtime", "", "go test -benchtime for the Go benchmarks (default go test's own, 1s)")
	fs.Float64Var(&o.sesRate, "ses-rate", 100000, "MaxSendRate the stub's SES quota reports; NotifyFunction paces its sends to it, and a low rate makes the warm run measure waiting")
	fs.StringVar(&o.out, "o", "", "also write the table to this file")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if o.short {
		if !set["launches"] {
			o.launches = 2
		}
		if !set["invocations"] {
			o.invocations = 20
		}
		if !set["benchtime"] {
			o.benchtime = "1x"
		}
	}
	if o.launches < 1 || o.invocations < 1 || o.sesRate <= 0 {
		return o, errors.New("-launches, -invocations and -ses-rate must be positive")
	}
	return o, nil
}

// result is what was measured of one program.
type result struct {
	rawSize, zippedSize int64
	inits               []time.Duration
	latencies           []time.Duration
	cpu                 time.Duration // over the warm invocations
	invocations         int
	calls               map[string]int // over the warm invocations, by operation
	peakRSS             int64
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	root, err := samtemplate.RepoRoot()
	if err != nil {
		return err
	}
	start := time.Now()
	progress := func(format string, a ...any) {
		fmt.Fprintf(stderr, "bench: %5.1fs "+format+"\n", append([]any{time.Since(start).Seconds()}, a...)...)
	}

	stub, err := awsstub.Start()
	if err != nil {
		return err
	}
	defer stub.Close()
	stub.SetMaxSendRate(o.sesRate)

	fx, err := newFixtures(root)
	if err != nil {
		return err
	}
	progs, err := programs(fx)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	progress("building %d bootstraps for %s and %s", len(progs), lambdaArch, hostArch())
	b, err := buildAll(ctx, root, dir, progs, stub)
	if err != nil {
		return err
	}
	progress("%d cold starts of each", o.launches)
	if err := coldStarts(ctx, progs, b, o.launches); err != nil {
		return err
	}
	for _, p := range progs {
		progress("%d warm invocations of %s", o.invocations, p.name)
		// Every function finds the same requests stored, and nothing an
		// earlier one wrote, such as the submit function's requests,
		// which the digest would list.
		stub.Reset()
		stored := fx.stored
		if p.booked {
			stored = fx.booked
		}
		if err := fx.store(ctx, stub, stored); err != nil {
			return fmt.Errorf("store the requests the pages and the digest show: %w", err)
		}
		if err := warm(ctx, p, b.host[p.name], b.envs[p.name], stub, o.invocations, b.results[p.name]); err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
	}
	if err := stub.Check(); err != nil {
		return err
	}
	progress("go test -bench")
	benchOut, err := runBenchmarks(ctx, root, o.benchtime)
	if err != nil {
		return err
	}
	if err := report(stdout, progs, b.results, o, benchOut); err != nil {
		return err
	}
	progress("done")
	return nil
}

// built are the programs' bootstraps, for Lambda's architecture and for
// this machine's, with their sizes and environments.
type built struct {
	// host are the bootstraps that run here, by program name.
	host map[string]string
	envs map[string][]string
	// results start with the sizes of the bootstraps built for Lambda.
	results map[string]*result
}

// buildAll builds every program's bootstrap for Lambda's architecture,
// which is measured for size, and, when this machine's differs, for it
// too, which is run.
func buildAll(ctx context.Context, root, dir string, progs []program, stub *awsstub.Server) (*built, error) {
	arm, err := build(ctx, root, dir, lambdaArch, progs)
	if err != nil {
		return nil, err
	}
	b := &built{host: arm, envs: map[string][]string{}, results: map[string]*result{}}
	if hostArch() != lambdaArch {
		if b.host, err = build(ctx, root, dir, hostArch(), progs); err != nil {
			return nil, err
		}
	}
	for _, p := range progs {
		r := &result{}
		b.results[p.name] = r
		if r.rawSize, r.zippedSize, err = sizes(arm[p.name]); err != nil {
			return nil, err
		}
		if b.envs[p.name], err = lambdaEnv(root, p, stub, b.host[p.name]); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// coldStarts takes n cold starts of each program, in turns so that
// whatever else the machine does meanwhile falls on every program alike.
func coldStarts(ctx context.Context, progs []program, b *built, n int) error {
	for range n {
		for _, p := range progs {
			d, err := coldStart(ctx, b.host[p.name], b.envs[p.name], functionARN(p))
			if err != nil {
				return fmt.Errorf("%s: %w", p.name, err)
			}
			b.results[p.name].inits = append(b.results[p.name].inits, d)
		}
	}
	return nil
}

// report writes the table, its notes and the benchmarks' output, and the
// table alone to -out when it is given.
func report(stdout io.Writer, progs []program, results map[string]*result, o options, benchOut string) error {
	t := table(progs, results)
	fmt.Fprint(stdout, t)
	fmt.Fprintln(stdout)
	fmt.Fprint(stdout, notes(progs, results, o))
	fmt.Fprintln(stdout)
	fmt.Fprint(stdout, benchOut)
	if o.out != "" {
		return os.WriteFile(o.out, []byte(t), 0o644)
	}
	return nil
}

// newFixtures makes the requests the front desk's pages and the digest
// show, open and received over the last three days, and a signer of links
// under the key the stub serves.
func newFixtures(root string) (*fixtures, error) {
	links, err := actionlink.New([]byte(awsstub.Secret))
	if err != nil {
		return nil, err
	}
	fx := &fixtures{root: root, links: links}
	start := time.Now().Add(-72 * time.Hour)
	for i := range 12 {
		fx.stored = append(fx.stored, newRequest(i, start.Add(time.Duration(i)*5*time.Hour)))
	}
	now := time.Now()
	for i := range bookedFixtures {
		fx.booked = append(fx.booked, newBooked(i, now.Add(-48*time.Hour), now.Add(10*time.Hour+time.Duration(i)*time.Hour)))
	}
	return fx, nil
}

// store puts requests in the stub's table, through the real store.
func (fx *fixtures) store(ctx context.Context, stub *awsstub.Server, requests []appointment.Request) error {
	store := dynamo.New(dynamodb.NewFromConfig(stub.AWSConfig()), tableName, 365)
	for _, r := range requests {
		if _, err := store.Create(ctx, r, appointment.Dedupe{Fingerprint: r.Fingerprint()}); err != nil {
			return err
		}
	}
	return nil
}

// coldStart starts a bootstrap, waits until it is ready and ends it.
func coldStart(ctx context.Context, bin string, env []string, arn string) (time.Duration, error) {
	p, err := launch(bin, env, arn)
	if err != nil {
		return 0, err
	}
	defer p.stop()
	return p.waitReady(ctx)
}

// warm starts one process of the program, hands it one event that is not
// measured (the first invocation after init, which does what the function
// leaves to first use), then n more, checking every answer.
func warm(ctx context.Context, p program, bin string, env []string, stub *awsstub.Server, n int, r *result) error {
	proc, err := launch(bin, env, functionARN(p))
	if err != nil {
		return err
	}
	defer proc.stop()
	if _, err := proc.waitReady(ctx); err != nil {
		return err
	}
	invoke := func(i int) (*invocation, error) {
		payload, err := p.event(i)
		if err != nil {
			return nil, err
		}
		inv, err := proc.invoke(ctx, payload, p.timeout)
		if err != nil {
			return nil, fmt.Errorf("invocation %d: %w", i, err)
		}
		if inv.failed {
			return nil, fmt.Errorf("invocation %d failed: %s\nthe function's output:\n%s", i, inv.response, proc.output)
		}
		if err := p.check(inv.response); err != nil {
			return nil, fmt.Errorf("invocation %d: %w\nthe function's output:\n%s", i, err, proc.output)
		}
		return inv, nil
	}
	if _, err := invoke(0); err != nil {
		return err
	}

	callsBefore := stub.Calls()
	cpuBefore, err := proc.cpuTime()
	if err != nil {
		return err
	}
	r.latencies = make([]time.Duration, 0, n)
	for i := 1; i <= n; i++ {
		inv, err := invoke(i)
		if err != nil {
			return err
		}
		r.latencies = append(r.latencies, inv.latency())
	}
	cpuAfter, err := proc.cpuTime()
	if err != nil {
		return err
	}
	if r.peakRSS, err = proc.peakRSS(); err != nil {
		return err
	}
	r.cpu, r.invocations = cpuAfter-cpuBefore, n
	r.calls = map[string]int{}
	for op, c := range stub.Calls() {
		if d := c - callsBefore[op]; d > 0 {
			r.calls[op] = d
		}
	}
	for op, want := range p.perInvocation {
		if got := r.calls[op]; got != want*n {
			return fmt.Errorf("%d %s calls in %d invocations, want %d each: the events were not handled as expected (calls: %v)\nthe function's output:\n%s", got, op, n, want, r.calls, proc.output)
		}
	}
	return nil
}

// notes says how the table was measured, and lists the AWS calls of each
// function by operation.
func notes(progs []program, results map[string]*result, o options) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Measured on %s/%s, %d CPUs, %s; sizes for %s. MB are 10^6 bytes.\n", runtime.GOOS, hostArch(), runtime.NumCPU(), runtime.Version(), lambdaArch)
	fmt.Fprintf(&b, "- zipped: gzip -9 (compress/gzip, BestCompression) of the bootstrap, a stand-in for Lambda's zip, which uses the same deflate.\n")
	fmt.Fprintf(&b, "- init to ready: from just before starting the process to its first GET .../invocation/next, median of %d cold starts; it includes reading the secrets from the stub.\n", o.launches)
	fmt.Fprintf(&b, "- warm: %d invocations of one process, after one that is not measured; latency from writing the event on .../next to the arrival of the answer; CPU is utime+stime from /proc (10 ms ticks) over all of them, divided by their number.\n", o.invocations)
	fmt.Fprintf(&b, "- AWS calls are answered by a loopback stub (internal/testing/awsstub) at once; its SES quota reports MaxSendRate %g, so NotifyFunction's pacing does not wait.\n", o.sesRate)
	b.WriteString("\nAWS calls per warm invocation:\n")
	for _, p := range progs {
		r := results[p.name]
		if len(r.calls) == 0 {
			continue
		}
		var parts []string
		for _, op := range slices.Sorted(maps.Keys(r.calls)) {
			parts = append(parts, fmt.Sprintf("%s %s", op, formatNumber(float64(r.calls[op])/float64(r.invocations))))
		}
		fmt.Fprintf(&b, "- %s: %s\n", p.name, strings.Join(parts, ", "))
	}
	return b.String()
}
