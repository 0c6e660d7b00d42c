package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// runtimeAPI is the part of Lambda's Runtime API that a Go function uses,
// served on 127.0.0.1 for one process: the process asks for its next
// event, answers it, or reports that it failed.
//
//	GET  /2018-06-01/runtime/invocation/next
//	POST /2018-06-01/runtime/invocation/{id}/response
//	POST /2018-06-01/runtime/invocation/{id}/error
//	POST /2018-06-01/runtime/init/error
//
// The arrival of the first GET .../next is the moment the function is
// ready: its initialisation is over and it waits for work.
type runtimeAPI struct {
	// addr is host:port, for AWS_LAMBDA_RUNTIME_API.
	addr        string
	functionARN string
	srv         *http.Server

	// ready receives the arrival time of the first GET .../next.
	ready     chan time.Time
	readyOnce sync.Once
	// queue hands invocations to the GET .../next waiting for one.
	queue chan *invocation
	// initError receives the body of a POST .../init/error.
	initError chan string

	mu       sync.Mutex
	inflight map[string]*invocation
}

// invocation is one event handed to the function and what became of it.
type invocation struct {
	id      string
	payload []byte
	timeout time.Duration

	// delivered is when the event was written to the function, answered
	// when its response or error arrived.
	delivered, answered time.Time
	// response is the function's answer; failed says it came on /error.
	response []byte
	failed   bool
	done     chan struct{}
}

// latency is the time from the event's delivery to the function's answer.
func (inv *invocation) latency() time.Duration { return inv.answered.Sub(inv.delivered) }

// startRuntimeAPI serves a Runtime API on a free port of 127.0.0.1.
func startRuntimeAPI(functionARN string) (*runtimeAPI, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	a := &runtimeAPI{
		addr:        ln.Addr().String(),
		functionARN: functionARN,
		ready:       make(chan time.Time, 1),
		queue:       make(chan *invocation),
		initError:   make(chan string, 1),
		inflight:    map[string]*invocation{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", a.next)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", func(w http.ResponseWriter, r *http.Request) { a.answer(w, r, false) })
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", func(w http.ResponseWriter, r *http.Request) { a.answer(w, r, true) })
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", a.initFailed)
	a.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go a.srv.Serve(ln)
	return a, nil
}

// close stops serving; a GET .../next still waiting is let go.
func (a *runtimeAPI) close() {
	_ = a.srv.Close()
}

func (a *runtimeAPI) next(w http.ResponseWriter, r *http.Request) {
	arrived := time.Now()
	a.readyOnce.Do(func() { a.ready <- arrived })
	var inv *invocation
	select {
	case inv = <-a.queue:
	case <-r.Context().Done():
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
	h.Set("Lambda-Runtime-Invoked-Function-Arn", a.functionARN)
	// Tracing is active in the template, so every event carries a trace.
	x := strings.ReplaceAll(inv.id, "-", "")
	h.Set("Lambda-Runtime-Trace-Id", "Root=1-"+strconv.FormatInt(time.Now().Unix(), 16)+"-"+x[:24]+";Parent="+x[16:]+";Sampled=1")
	inv.delivered = time.Now()
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.delivered.Add(inv.timeout).UnixMilli(), 10))
	// Registered after delivered is set, under the lock that answer takes:
	// the answer, which comes after the write, then sees it.
	a.mu.Lock()
	a.inflight[inv.id] = inv
	a.mu.Unlock()
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(inv.payload)
}

func (a *runtimeAPI) answer(w http.ResponseWriter, r *http.Request, failed bool) {
	arrived := time.Now()
	body, err := io.ReadAll(r.Body)
	id := r.PathValue("id")
	a.mu.Lock()
	inv := a.inflight[id]
	delete(a.inflight, id)
	a.mu.Unlock()
	if inv == nil || err != nil {
		http.Error(w, "unknown invocation "+id, http.StatusBadRequest)
		return
	}
	inv.answered, inv.response, inv.failed = arrived, body, failed
	w.WriteHeader(http.StatusAccepted)
	close(inv.done)
}

func (a *runtimeAPI) initFailed(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	select {
	case a.initError <- string(body):
	default:
	}
	w.WriteHeader(http.StatusAccepted)
}

// errExited is returned when the function's process ends while it is
// waited for.
var errExited = errors.New("the function's process exited")

// invoke hands the function one event and waits for its answer, for at
// most the function's timeout and a margin. exited is closed when the
// process ends.
func (a *runtimeAPI) invoke(ctx context.Context, payload []byte, timeout time.Duration, exited <-chan struct{}) (*invocation, error) {
	inv := &invocation{id: newRequestID(), payload: payload, timeout: timeout, done: make(chan struct{})}
	wait := time.NewTimer(timeout + 5*time.Second)
	defer wait.Stop()
	select {
	case a.queue <- inv:
	case <-exited:
		return nil, errExited
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-wait.C:
		return nil, fmt.Errorf("the function did not ask for its next event within %v", timeout+5*time.Second)
	}
	select {
	case <-inv.done:
		return inv, nil
	case <-exited:
		return nil, errExited
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-wait.C:
		return nil, fmt.Errorf("no answer within the function's timeout of %v", timeout)
	}
}

// newRequestID returns a random ID in the form of Lambda's request IDs.
func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
