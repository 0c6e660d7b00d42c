package mototest

import (
	"bytes"
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// DynamoDB applies each call to an item atomically: of twenty conditional
// PutItem calls racing for one key, exactly one succeeds, and a read sees an
// item before or after a write, never halfway. moto_server checks a
// condition and stores the item in separate steps of a request thread, so
// under CPU load two racing writes can both see the item absent and both
// succeed; an UpdateItem of a new item first stores the bare key and then
// applies the update to the stored item in place, where a read can see it
// half done. A test that races calls against moto would then fail for a
// reason DynamoDB never shows, or, worse, pass only when moto was lucky.
//
// The serial transport and proxy below let one DynamoDB call at a time reach
// moto, which restores the atomicity of each single call and nothing more:
// the calls of different callers still interleave freely, so a protocol
// that reads, decides and then writes in separate calls races exactly as it
// would against DynamoDB.
//
// DynamoDB isolates calls per item, not per server, yet one lock for all
// calls is the right grain for moto. Calls on different items do not affect
// each other, and reads do not affect reads, so any way such calls could
// overlap has the outcome of some order in which they do not: a test sees
// nothing a finer lock would have shown it. moto also numbers a table's
// stream records from a count it reads and then appends to, so writes to
// different items can otherwise be given one sequence number. And the item a
// PutItem writes is known only from the table's key schema, which the
// request does not carry.

// dynamoDBTargetPrefix starts the X-Amz-Target header of every call of the
// DynamoDB API. DynamoDB Streams calls carry another prefix and are not
// serialized: moto only appends to a stream and reads a copy of it.
const dynamoDBTargetPrefix = "DynamoDB_20120810."

// isSerial reports whether req is a DynamoDB call that must not overlap
// another.
func isSerial(req *http.Request) bool {
	return strings.HasPrefix(req.Header.Get("X-Amz-Target"), dynamoDBTargetPrefix)
}

// callLock is a mutex whose lock gives up when the caller's context ends,
// so that a test's timeout is not lost behind a stuck call.
type callLock chan struct{}

func newCallLock() callLock { return make(callLock, 1) }

func (l callLock) lock(ctx context.Context) error {
	select {
	case l <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (l callLock) unlock() { <-l }

// serialTransport passes requests to next, holding lock around every
// DynamoDB call.
type serialTransport struct {
	next http.RoundTripper
	lock callLock
}

func (s *serialTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !isSerial(req) {
		return s.next.RoundTrip(req)
	}
	if err := s.lock.lock(req.Context()); err != nil {
		return nil, err
	}
	defer s.lock.unlock()
	resp, err := s.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	// The whole answer is read before the next call may start, so the call
	// is over at moto however it streams its answers. The tests' answers
	// are small.
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// SerialTransport returns an HTTP transport for SDK clients of the server
// that passes every request to next (http.DefaultTransport when nil) but
// lets only one DynamoDB call at a time be in flight, so that moto applies
// each call atomically, as DynamoDB does. Tests that race conditional writes
// use it so that they check the code under test rather than moto's luck.
//
// Every serial transport and serial endpoint of one server share one lock,
// so in-process clients and child processes are serialized together. A
// client built from AWSConfig alone bypasses the lock.
func (s *Server) SerialTransport(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return &serialTransport{next: next, lock: s.dynamoDB}
}

// SerialAWSConfig is AWSConfig with requests passing through
// SerialTransport.
func (s *Server) SerialAWSConfig() aws.Config {
	cfg := s.AWSConfig()
	cfg.HTTPClient = &http.Client{Transport: s.SerialTransport(nil)}
	return cfg
}

// SerialEndpoint starts a reverse proxy on a loopback port in front of the
// server, with the serialization of SerialTransport, and returns its base
// URL. It is for child processes, such as Lambda bootstraps under the
// emulator, whose HTTP clients a test cannot wrap; SerialEnv points them at
// it. The proxy is closed when the test finishes.
func (s *Server) SerialEndpoint(t testing.TB) string {
	t.Helper()
	target, err := url.Parse(s.Endpoint)
	if err != nil {
		t.Fatalf("moto endpoint %q: %v", s.Endpoint, err)
	}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			// Any address moto writes into an answer then leads back
			// through the proxy.
			r.Out.Host = r.In.Host
		},
		Transport: s.SerialTransport(nil),
		// Failures to reach moto belong with moto's own log, which the
		// test prints if it fails.
		ErrorLog: log.New(s.out, "serial proxy: ", log.LstdFlags),
	}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	return srv.URL
}

// SerialEnv is Env with the SDK pointed at a new SerialEndpoint.
func (s *Server) SerialEnv(t testing.TB) []string {
	t.Helper()
	env := s.Env()
	for i, kv := range env {
		if strings.HasPrefix(kv, "AWS_ENDPOINT_URL=") {
			env[i] = "AWS_ENDPOINT_URL=" + s.SerialEndpoint(t)
		}
	}
	return env
}
