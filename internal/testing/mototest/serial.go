package mototest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
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
// The serial transport below lets one DynamoDB call at a time reach
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
// Every serial transport of one server shares one lock. A client built
// from AWSConfig alone bypasses it.
func (s *Server) SerialTransport(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return &serialTransport{next: next, lock: s.dynamoDB}
}
