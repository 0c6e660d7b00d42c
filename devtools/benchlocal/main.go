// Command benchlocal measures the local server (`make run`) as a developer
// meets it, in one run on one machine: it builds the server, starts it on
// an empty data folder, and drives it over HTTP with concurrent clients.
//
// It prints one table: the rate at which the server refuses requests from
// an origin it does not allow (403), the rate and latency of accepted
// requests with the database empty and again with many requests stored,
// and how long a restart takes to answer with all of them stored. Every
// accepted request comes from a loopback address of its own, so the
// per-client limit never applies, and carries an address of its own, so
// the per-address limit does not either.
//
//	go run ./devtools/benchlocal                 # make bench-local
//	go run ./devtools/benchlocal -stored 500 -n 200   # a quick run
//
// It measures; it asserts nothing.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"example.com/appointments/internal/testing/process"
)

func main() {
	clients := flag.Int("clients", 8, "concurrent clients")
	n := flag.Int("n", 3000, "requests in each measured phase")
	stored := flag.Int("stored", 20000, "requests stored before the second measurement")
	flag.Parse()
	if err := run("./cmd/local", *clients, *n, *stored, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchlocal:", err)
		os.Exit(1)
	}
}

// result is one measured phase.
type result struct {
	count    int
	elapsed  time.Duration
	p50, p99 time.Duration
	// cpu is the server process's CPU time over the phase.
	cpu time.Duration
}

func (r result) cpuPerRequest() string {
	return fmt.Sprintf("%.3f ms", r.cpu.Seconds()*1000/float64(r.count))
}

// cpuTime reads a process's user and system CPU time from /proc.
func cpuTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The fields after the command name, which is in parentheses.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	// Clock ticks, 100 a second on Linux.
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

func (r result) rate() float64 { return float64(r.count) / r.elapsed.Seconds() }

// run builds the local server from the package at pkg and measures it.
func run(pkg string, clients, n, stored int, out io.Writer) error {
	tmp, err := os.MkdirTemp("", "benchlocal")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "local")
	if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
		return fmt.Errorf("build the local server: %v\n%s", err, out)
	}
	data := filepath.Join(tmp, "data")

	srv, err := start(bin, data)
	if err != nil {
		return err
	}
	defer func() { srv.stop() }()
	d := &driver{origin: srv.origin, pid: srv.cmd.Process.Pid}

	refused, err := d.phase(clients, n, d.refusal)
	if err != nil {
		return err
	}
	empty, err := d.phase(clients, n, d.accept)
	if err != nil {
		return err
	}
	caughtUp := time.Now()
	if err := srv.drained(); err != nil {
		return err
	}
	lag := time.Since(caughtUp)
	if fill := stored - d.sent(); fill > 0 {
		if _, err := d.phase(clients, fill, d.accept); err != nil {
			return err
		}
	}
	if err := srv.drained(); err != nil {
		return err
	}
	total := d.sent()
	full, err := d.phase(clients, n, d.accept)
	if err != nil {
		return err
	}
	if err := srv.drained(); err != nil {
		return err
	}

	if err := srv.stop(); err != nil {
		return err
	}
	began := time.Now()
	srv, err = start(bin, data)
	if err != nil {
		return err
	}
	restart := time.Since(began)

	fmt.Fprintf(out, "Local server, %d clients, %d requests a phase, one run (go run ./devtools/benchlocal -clients %d -n %d -stored %d)\n\n", clients, n, clients, n, stored)
	fmt.Fprintln(out, "| measure | value | target | ratio |")
	fmt.Fprintln(out, "|---|---|---|---|")
	fmt.Fprintf(out, "| refusals (403), requests/s | %.0f | | |\n", refused.rate())
	fmt.Fprintf(out, "| accepted, empty database, requests/s | %.0f | ≥ 50%% of refusals | %.0f%% |\n", empty.rate(), 100*empty.rate()/refused.rate())
	fmt.Fprintf(out, "| accepted, %d stored, requests/s | %.0f | ≥ 90%% of empty | %.0f%% |\n", total, full.rate(), 100*full.rate()/empty.rate())
	fmt.Fprintf(out, "| accepted latency p50 / p99, empty | %s / %s | p99 ≤ 50 ms | |\n", ms(empty.p50), ms(empty.p99))
	fmt.Fprintf(out, "| accepted latency p50 / p99, %d stored | %s / %s | p99 ≤ 50 ms | |\n", total, ms(full.p50), ms(full.p99))
	fmt.Fprintf(out, "| server CPU a request: refused / accepted, empty / accepted, %d stored | %s / %s / %s | | |\n", total, refused.cpuPerRequest(), empty.cpuPerRequest(), full.cpuPerRequest())
	fmt.Fprintf(out, "| emails of the empty-database phase all settled, after its last answer | %s | | |\n", ms(lag))
	fmt.Fprintf(out, "| restart with %d stored, until the form answers | %s | ≤ 1 s | |\n", d.sent(), ms(restart))
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// server is the local server as a process.
type server struct {
	cmd    *exec.Cmd
	origin string
	done   chan error
}

// start runs the server on data and returns once it answers.
func start(bin, data string) (*server, error) {
	p, err := process.FreePort()
	if err != nil {
		return nil, err
	}
	port := strconv.Itoa(p)
	cmd := exec.Command(bin, "-data", data)
	cmd.Env = append(os.Environ(), "PORT="+port, "AWS_ENDPOINT_URL=")
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, origin: "http://127.0.0.1:" + port, done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait() }()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-s.done:
			return nil, fmt.Errorf("the server exited: %v", err)
		default:
		}
		if resp, err := http.Get(s.origin + "/"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	return nil, errors.New("the server did not answer within 60 s")
}

// stop asks the server to stop, as Ctrl-C does, and waits for it.
func (s *server) stop() error {
	if s == nil || s.cmd.ProcessState != nil {
		return nil
	}
	_ = s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-s.done:
		return nil
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		return errors.New("the server did not stop within 30 s")
	}
}

// drained waits until the newest requests' emails are all settled, sent
// or failed (past the local hourly cap on confirmations), so that one
// phase's emails are not measured in the next. Changes are delivered in
// order, so the newest page settled means every page is.
func (s *server) drained() error {
	deadline := time.Now().Add(10 * time.Minute)
	for time.Now().Before(deadline) {
		resp, err := http.Get(s.origin + "/_dev/requests")
		if err != nil {
			return err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		page := string(b)
		if !strings.Contains(page, `class="pending"`) && !strings.Contains(page, `class="sending"`) {
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return errors.New("emails still unsettled after 10 minutes")
}

// driver sends requests.
type driver struct {
	origin   string
	pid      int
	accepted atomic.Int64 // requests sent for acceptance, over all phases
}

func (d *driver) sent() int { return int(d.accepted.Load()) }

// phase sends n requests from the given number of clients and measures
// them; each request is checked for the answer it should get.
func (d *driver) phase(clients, n int, send func(i int) (time.Duration, error)) (result, error) {
	var next atomic.Int64
	var mu sync.Mutex
	var latencies []time.Duration
	var firstErr error
	var wg sync.WaitGroup
	began := time.Now()
	cpu := cpuTime(d.pid)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				took, err := send(i)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				latencies = append(latencies, took)
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(began)
	cpu = cpuTime(d.pid) - cpu
	if firstErr != nil {
		return result{}, firstErr
	}
	slices.Sort(latencies)
	return result{count: n, elapsed: elapsed, p50: latencies[len(latencies)/2], p99: latencies[len(latencies)*99/100], cpu: cpu}, nil
}

// post sends body from the loopback address source, on a connection of its
// own, and checks the status.
func (d *driver) post(source net.IP, origin, body string, want int) (time.Duration, error) {
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: source}}
	client := &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext, DisableKeepAlives: true}}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, d.origin+"/appointments", strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", origin)
	began := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	took := time.Since(began)
	if resp.StatusCode != want {
		return took, fmt.Errorf("answer %d, want %d: %s", resp.StatusCode, want, b)
	}
	return took, nil
}

// source is the loopback address of request i of a phase: 127.x.y.z, each
// request its own.
func source(i int, base byte) net.IP {
	return net.IPv4(127, base, byte(i/250), byte(i%250+1))
}

const requestBody = `{"firstName":"Jordan","lastName":"Rivera","email":"patient%d@example.com","phone":"(303) 555-0142",` +
	`"service":"dry-needling","preferredDays":["mon"],"reason":"Knee pain after running, request %d","consent":true}`

// refusal sends a valid request from an origin the server does not allow.
func (d *driver) refusal(i int) (time.Duration, error) {
	return d.post(source(i, 200), "https://elsewhere.example.net", fmt.Sprintf(requestBody, i, i), http.StatusForbidden)
}

// accept sends a valid request that the server stores.
func (d *driver) accept(i int) (time.Duration, error) {
	k := int(d.accepted.Add(1))
	return d.post(source(k, byte(1+k/62500)), d.origin, fmt.Sprintf(requestBody, k, k), http.StatusCreated)
}
