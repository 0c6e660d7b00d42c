package ses

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sesapi "github.com/aws/aws-sdk-go-v2/service/ses"
)

// fakeClock is a clock whose sleeps move it forward at once.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.advance(d)
	return nil
}

// quotaAnswers answers GetSendQuota with a rate, or an error, and counts
// the calls.
type quotaAnswers struct {
	mu    sync.Mutex
	rate  float64
	err   error
	calls int
}

func (q *quotaAnswers) GetSendQuota(context.Context, *sesapi.GetSendQuotaInput, ...func(*sesapi.Options)) (*sesapi.GetSendQuotaOutput, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.calls++
	if q.err != nil {
		return nil, q.err
	}
	return &sesapi.GetSendQuotaOutput{MaxSendRate: q.rate, Max24HourSend: 50000}, nil
}

func (q *quotaAnswers) count() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.calls
}

func testPacer(q QuotaClient, clock *fakeClock, logs io.Writer) *Pacer {
	p := NewPacer(q, slog.New(slog.NewJSONHandler(logs, nil)))
	p.now, p.sleep = clock.now, clock.sleep
	return p
}

// mostInASecond returns the most of the given times, in order, that fall
// within any one second, and the fewest that fall within any one second
// from one of them that has a second of others after it.
func mostInASecond(times []time.Time) (most, fewest int) {
	fewest = len(times)
	for i, start := range times {
		n := 0
		for _, t := range times[i:] {
			if t.Sub(start) < time.Second {
				n++
			}
		}
		most = max(most, n)
		if times[len(times)-1].Sub(start) >= time.Second {
			fewest = min(fewest, n)
		}
	}
	return most, fewest
}

// TestPacerKeepsToTheRate: a burst of sends starts at most MaxSendRate in
// any one second, and not much fewer, and GetSendQuota is asked once.
func TestPacerKeepsToTheRate(t *testing.T) {
	clock := newClock()
	q := &quotaAnswers{rate: 14}
	p := testPacer(q, clock, io.Discard)
	var starts []time.Time
	for range 100 {
		if err := p.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		starts = append(starts, clock.now())
	}
	most, fewest := mostInASecond(starts)
	if most > 14 {
		t.Errorf("%d sends started within one second, want at most 14", most)
	}
	if fewest < 13 {
		t.Errorf("only %d sends started within one second of the burst, want 13 or more (Headroom of 14 a second)", fewest)
	}
	if !starts[0].Equal(newClock().now()) {
		t.Errorf("the first send waited until %v, want no wait", starts[0])
	}
	if q.count() != 1 {
		t.Errorf("GetSendQuota asked %d times for 100 sends, want once", q.count())
	}
	if got, want := p.Rate(context.Background()), interval(14); time.Duration(float64(time.Second)/got) != want {
		t.Errorf("Rate() = %v", got)
	}
}

// TestPacerIsSharedSafely: senders on several goroutines share the rate
// and ask for the quota once.
func TestPacerIsSharedSafely(t *testing.T) {
	clock := newClock()
	q := &quotaAnswers{rate: 10}
	p := testPacer(q, clock, io.Discard)
	// The clock stands still and the sleeps return at once: each turn is
	// then one interval after the one before, whichever goroutine took it.
	p.sleep = func(context.Context, time.Duration) error { return nil }
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 10 {
				if err := p.Wait(context.Background()); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if q.count() != 1 {
		t.Errorf("GetSendQuota asked %d times, want once", q.count())
	}
	// 80 turns, each one interval after the one before.
	if want := newClock().now().Add(80 * interval(10)); !p.next.Equal(want) {
		t.Errorf("next turn at %v, want %v (80 turns one interval apart)", p.next, want)
	}
}

// TestPacerRereadsTheQuota: the rate is kept for QuotaRefresh, then read
// again, and a new rate takes effect.
func TestPacerRereadsTheQuota(t *testing.T) {
	clock := newClock()
	q := &quotaAnswers{rate: 14}
	p := testPacer(q, clock, io.Discard)
	p.Wait(context.Background())
	clock.advance(QuotaRefresh - time.Second)
	p.Wait(context.Background())
	if q.count() != 1 {
		t.Fatalf("GetSendQuota asked %d times within QuotaRefresh, want once", q.count())
	}
	q.mu.Lock()
	q.rate = 50
	q.mu.Unlock()
	clock.advance(2 * time.Second)
	p.Wait(context.Background())
	if q.count() != 2 {
		t.Fatalf("GetSendQuota asked %d times after QuotaRefresh, want twice", q.count())
	}
	if got := p.Rate(context.Background()); time.Duration(float64(time.Second)/got) != interval(50) {
		t.Errorf("Rate() = %v after the quota rose to 50", got)
	}
}

// TestPacerFallsBack: without the quota the pacer keeps to FallbackRate,
// says so in the log, and asks again after FallbackRefresh.
func TestPacerFallsBack(t *testing.T) {
	clock := newClock()
	q := &quotaAnswers{err: errors.New("AccessDenied: not authorized to perform ses:GetSendQuota")}
	var logs bytes.Buffer
	p := testPacer(q, clock, &logs)
	var starts []time.Time
	for range 5 {
		if err := p.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		starts = append(starts, clock.now())
	}
	if most, _ := mostInASecond(starts); most > int(FallbackRate) {
		t.Errorf("%d sends within one second at the fallback rate", most)
	}
	if q.count() != 1 {
		t.Errorf("GetSendQuota asked %d times, want once until FallbackRefresh", q.count())
	}
	if !strings.Contains(logs.String(), "fallback rate") || !strings.Contains(logs.String(), `"level":"WARN"`) {
		t.Errorf("the fallback is not logged as a warning:\n%s", logs.String())
	}

	q.mu.Lock()
	q.err, q.rate = nil, 14
	q.mu.Unlock()
	clock.advance(FallbackRefresh)
	p.Wait(context.Background())
	if q.count() != 2 || time.Duration(float64(time.Second)/p.Rate(context.Background())) != interval(14) {
		t.Errorf("after FallbackRefresh: %d calls, rate %v; want the quota read again", q.count(), p.Rate(context.Background()))
	}
}

// TestPacerStopsAtTheDeadline: a send whose turn comes too close to the
// deadline is not started and gives its turn back; a cancelled wait ends.
func TestPacerStopsAtTheDeadline(t *testing.T) {
	clock := newClock()
	p := testPacer(&quotaAnswers{rate: 1}, clock, io.Discard)
	start := clock.now()
	ctx, cancel := context.WithDeadline(context.Background(), start.Add(DefaultReserve+time.Second))
	defer cancel()
	if err := p.Wait(ctx); err != nil {
		t.Fatalf("first send: %v", err)
	}
	// The next turn is 1/0.95 s away, and the reserve does not fit after it.
	err := p.Wait(ctx)
	var notStarted *NotStartedError
	if !errors.As(err, &notStarted) || !errors.Is(err, context.DeadlineExceeded) || !notStarted.NotSent() || notStarted.Permanent() {
		t.Fatalf("Wait() near the deadline = %v, want a NotStartedError wrapping DeadlineExceeded", err)
	}
	if !clock.now().Equal(start) {
		t.Errorf("the refused send waited %v", clock.now().Sub(start))
	}
	// The turn was given back: the next send without a deadline takes it.
	if err := p.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, want := clock.now().Sub(start), interval(1); got != want {
		t.Errorf("next send waited %v, want one interval, %v", got, want)
	}

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.Wait(cancelled); !errors.Is(err, context.Canceled) || !errors.As(err, &notStarted) {
		t.Errorf("Wait() with a cancelled context = %v", err)
	}
}

// TestPacerWaitsForReal: the pacer's own sleep ends when the context does.
func TestPacerWaitsForReal(t *testing.T) {
	p := NewPacer(&quotaAnswers{rate: 0.001}, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err := p.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- p.Wait(ctx) }()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Wait() = %v, want it ended by the cancelled context", err)
	}
}

// script answers SES calls by action: GetSendQuota with the rate, and
// SendRawEmail with the next of its answers, then success.
type script struct {
	mu    sync.Mutex
	rate  string
	sends []string // error messages of Throttling answers, in turn
	calls map[string]int
}

func (s *script) RoundTrip(req *http.Request) (*http.Response, error) {
	b, _ := io.ReadAll(req.Body)
	form, _ := url.ParseQuery(string(b))
	action := form.Get("Action")
	s.mu.Lock()
	s.calls[action]++
	status, body := 200, `<SendRawEmailResponse><SendRawEmailResult><MessageId>m-1</MessageId></SendRawEmailResult></SendRawEmailResponse>`
	switch {
	case action == "GetSendQuota":
		body = `<GetSendQuotaResponse><GetSendQuotaResult><Max24HourSend>50000.0</Max24HourSend><MaxSendRate>` + s.rate + `</MaxSendRate><SentLast24Hours>0.0</SentLast24Hours></GetSendQuotaResult></GetSendQuotaResponse>`
	case len(s.sends) > 0:
		status = 400
		body = `<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>` + s.sends[0] + `</Message></Error></ErrorResponse>`
		s.sends = s.sends[1:]
	}
	s.mu.Unlock()
	return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"text/xml"}}, Body: io.NopCloser(strings.NewReader(body)), Request: req}, nil
}

func pacedSender(s *script, clock *fakeClock, logs io.Writer) *Sender {
	client := sesapi.New(sesapi.Options{
		Region:       "us-east-1",
		Credentials:  aws.AnonymousCredentials{},
		BaseEndpoint: aws.String("http://127.0.0.1:1"),
		HTTPClient:   &http.Client{Transport: s},
		Retryer:      aws.NopRetryer{},
	})
	return New(client, "appointments", Paced(testPacer(client, clock, logs)))
}

// interval is the pacing interval at a maximum send rate.
func interval(maxSendRate float64) time.Duration {
	return time.Duration(float64(time.Second) / (maxSendRate * Headroom))
}

const rateExceededMessage = "Maximum sending rate exceeded."

// TestPacedSenderTriesAThrottledSendAgain: SES throttled the send for the
// rate, twice; the sender backs off, longer the second time, and sends.
func TestPacedSenderTriesAThrottledSendAgain(t *testing.T) {
	clock := newClock()
	s := &script{rate: "14.0", sends: []string{rateExceededMessage, rateExceededMessage}, calls: map[string]int{}}
	var logs bytes.Buffer
	start := clock.now()
	id, err := pacedSender(s, clock, &logs).Send(context.Background(), testMessage)
	if err != nil || id != "m-1" {
		t.Fatalf("Send() = %q, %v", id, err)
	}
	if s.calls["SendRawEmail"] != 3 || s.calls["GetSendQuota"] != 1 {
		t.Errorf("calls %v, want 3 sends and 1 quota read", s.calls)
	}
	i := interval(14)
	if waited := clock.now().Sub(start); waited < i+2*i {
		t.Errorf("waited %v in all, want the two pauses of at least %v and %v", waited, i, 2*i)
	}
	if strings.Contains(logs.String(), "jordan") || !strings.Contains(logs.String(), "throttled") {
		t.Errorf("logs:\n%s", logs.String())
	}
}

// TestPacedSenderLeavesTheDailyQuota: SES's daily quota does not come back
// within the invocation; the throttled send is returned at once.
func TestPacedSenderLeavesTheDailyQuota(t *testing.T) {
	s := &script{rate: "14.0", sends: []string{"Daily message quota exceeded."}, calls: map[string]int{}}
	_, err := pacedSender(s, newClock(), io.Discard).Send(context.Background(), testMessage)
	var e *Error
	if !errors.As(err, &e) || e.Code != "Throttling" || !e.NotSent() || e.Permanent() {
		t.Fatalf("Send() error = %v, want SES's Throttling, not sent and not permanent", err)
	}
	if s.calls["SendRawEmail"] != 1 {
		t.Errorf("%d sends, want 1", s.calls["SendRawEmail"])
	}
}

// TestPacedSenderGivesUpAtTheDeadline: SES keeps throttling; the sender
// stops trying when the deadline leaves no time, with an error that says
// the email was not sent.
func TestPacedSenderGivesUpAtTheDeadline(t *testing.T) {
	// The SDK reads the deadline on the real clock.
	clock := &fakeClock{t: time.Now()}
	s := &script{rate: "1.0", sends: []string{rateExceededMessage, rateExceededMessage, rateExceededMessage}, calls: map[string]int{}}
	ctx, cancel := context.WithDeadline(context.Background(), clock.now().Add(DefaultReserve+time.Second))
	defer cancel()
	_, err := pacedSender(s, clock, io.Discard).Send(ctx, testMessage)
	var notStarted *NotStartedError
	if !errors.As(err, &notStarted) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Send() error = %v, want a NotStartedError", err)
	}
	if s.calls["SendRawEmail"] != 1 {
		t.Errorf("%d sends, want 1: the retry's turn comes too late", s.calls["SendRawEmail"])
	}
}

// TestPacedSenderKeepsTrying bounds the tries of a send SES keeps
// throttling: the stream's retry takes over.
func TestPacedSenderKeepsTrying(t *testing.T) {
	throttles := make([]string, 20)
	for i := range throttles {
		throttles[i] = rateExceededMessage
	}
	s := &script{rate: "14.0", sends: throttles, calls: map[string]int{}}
	_, err := pacedSender(s, newClock(), io.Discard).Send(context.Background(), testMessage)
	var e *Error
	if !errors.As(err, &e) || e.Code != "Throttling" {
		t.Fatalf("Send() error = %v, want SES's Throttling", err)
	}
	if s.calls["SendRawEmail"] != maxThrottleRetries+1 {
		t.Errorf("%d sends, want %d", s.calls["SendRawEmail"], maxThrottleRetries+1)
	}
}
