package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// readyTimeout bounds a function's initialisation.
const readyTimeout = 20 * time.Second

// clockTicks is the unit of the CPU times in /proc/<pid>/stat: Linux
// reports them in USER_HZ, 100 a second, whatever the kernel's own tick.
const clockTicks = 100

// process is one running bootstrap with its own Runtime API.
type process struct {
	cmd     *exec.Cmd
	api     *runtimeAPI
	output  *tail
	started time.Time
	exited  chan struct{}
	waitErr error
}

// launch starts the bootstrap bin with exactly the environment env (no
// variable of the caller's reaches it), adding AWS_LAMBDA_RUNTIME_API for
// a Runtime API of its own.
func launch(bin string, env []string, functionARN string) (*process, error) {
	api, err := startRuntimeAPI(functionARN)
	if err != nil {
		return nil, err
	}
	p := &process{api: api, output: &tail{max: 64 << 10}, exited: make(chan struct{})}
	p.cmd = exec.Command(bin)
	p.cmd.Dir = filepath.Dir(bin)
	p.cmd.Env = slices.Concat(env, []string{"AWS_LAMBDA_RUNTIME_API=" + api.addr})
	p.cmd.Stdout, p.cmd.Stderr = p.output, p.output
	p.started = time.Now()
	if err := p.cmd.Start(); err != nil {
		api.close()
		return nil, err
	}
	go func() {
		p.waitErr = p.cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// waitReady waits for the function's first GET .../next and returns the
// time from just before the process was started to its arrival.
func (p *process) waitReady(ctx context.Context) (time.Duration, error) {
	timer := time.NewTimer(readyTimeout)
	defer timer.Stop()
	select {
	case at := <-p.api.ready:
		return at.Sub(p.started), nil
	case body := <-p.api.initError:
		return 0, fmt.Errorf("the function reported an init error: %s\n%s", body, p.output)
	case <-p.exited:
		return 0, fmt.Errorf("the function exited during init (%v); its output:\n%s", p.waitErr, p.output)
	case <-timer.C:
		return 0, fmt.Errorf("the function was not ready within %v; its output:\n%s", readyTimeout, p.output)
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// invoke hands the function one event and returns its answer.
func (p *process) invoke(ctx context.Context, payload []byte, timeout time.Duration) (*invocation, error) {
	inv, err := p.api.invoke(ctx, payload, timeout, p.exited)
	if err == errExited {
		<-p.exited
		return nil, fmt.Errorf("%w (%v); its output:\n%s", err, p.waitErr, p.output)
	}
	return inv, err
}

// stop kills the process, as Lambda ends an execution environment, and
// stops its Runtime API.
func (p *process) stop() {
	_ = p.cmd.Process.Kill()
	<-p.exited
	p.api.close()
}

// cpuTime returns the CPU time the process has used, user and system,
// from /proc/<pid>/stat.
func (p *process) cpuTime() (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	// The command name, in parentheses, may hold spaces; the fields after
	// it start with the state (field 3), so utime and stime (fields 14
	// and 15) are the 12th and 13th.
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0, fmt.Errorf("cannot read /proc/%d/stat", p.cmd.Process.Pid)
	}
	var ticks int64
	for _, f := range fields[11:13] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, err
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// peakRSS returns the process's peak resident set, VmHWM in
// /proc/<pid>/status, in bytes.
func (p *process) peakRSS() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", p.cmd.Process.Pid)
}

// tail keeps the last max bytes written to it: a function's log, kept to
// be shown when something goes wrong.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	// Trimmed only once twice the size, so that a chatty function costs
	// one copy per max bytes logged.
	if len(t.buf) > 2*t.max {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-t.max:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buf
	if len(b) > t.max {
		b = b[len(b)-t.max:]
	}
	return string(bytes.TrimSpace(b))
}
