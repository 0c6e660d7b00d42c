package ses

import (
	"context"
	"errors"
	"fmt"
	smithytime "github.com/aws/smithy-go/time"
	"log/slog"
	"strings"
	"sync"
	"time"

	sesapi "github.com/aws/aws-sdk-go-v2/service/ses"
)

// Pacing. SES accepts at most the account's maximum send rate (its
// MaxSendRate, in emails a second) and answers every send beyond it with
// Throttling, "Maximum sending rate exceeded.". A burst of requests sent as
// fast as the stream hands them over spends much of its time on refused
// sends and on the stream's redeliveries of the records they belonged to.
// A Pacer spaces the sends of one process evenly at just under that rate,
// so that SES refuses none of them, and a send that SES throttles anyway is
// backed off and tried again within the invocation.

// QuotaClient is the part of the SES API a Pacer reads the account's
// sending rate with.
type QuotaClient interface {
	GetSendQuota(ctx context.Context, in *sesapi.GetSendQuotaInput, opts ...func(*sesapi.Options)) (*sesapi.GetSendQuotaOutput, error)
}

const (
	// QuotaRefresh is how long a Pacer keeps the rate GetSendQuota gave
	// before asking again. A Lambda execution environment can live for
	// hours; asking every ten minutes picks up a quota that AWS raised (or
	// lowered) without a redeployment, for one call in ten minutes.
	QuotaRefresh = 10 * time.Minute
	// FallbackRate is the rate, in emails a second, a Pacer keeps to while
	// GetSendQuota cannot be read: the SES sandbox's rate, the lowest any
	// account has, so it is never too fast.
	FallbackRate = 1.0
	// FallbackRefresh is how long a Pacer keeps to FallbackRate after a
	// failed GetSendQuota before asking again.
	FallbackRefresh = time.Minute
	// DefaultReserve is the time a send must have left before the
	// context's deadline when its turn comes: enough to hand SES the message
	// and record the outcome. A send whose turn would come later is not
	// started (see Wait).
	DefaultReserve = 2 * time.Second
	// Headroom is the share of MaxSendRate a Pacer keeps to. SES counts
	// sends when they arrive, and a send that waited on a busy machine can
	// arrive right behind the next one; the small gap this leaves keeps
	// such pairs within the rate.
	Headroom = 0.95

	// quotaTimeout bounds one GetSendQuota call, so that a slow answer
	// costs the invocation little; the fallback rate covers a timeout.
	quotaTimeout = 2 * time.Second
	// maxBackoff bounds the pause after a throttled send. SES measures its
	// rate over a second, so waiting longer than that gains nothing.
	maxBackoff = time.Second
	// minBackoff is the first pause after a throttled send when the
	// pacing interval is shorter.
	minBackoff = 50 * time.Millisecond
	// maxThrottleRetries bounds the tries of one send that SES keeps
	// throttling; then the stream's retry takes over.
	maxThrottleRetries = 8
)

// Pacer spaces sends evenly at Headroom times the account's maximum send
// rate, which it reads with GetSendQuota the first time it is needed and
// again every QuotaRefresh. One Pacer serves every send of a process, for
// as long as the process lives: in a Lambda execution environment, the
// schedule carries over from one invocation to the next. Its methods may be
// called from several goroutines.
//
// It paces one process. Two processes sending for the same account, such
// as concurrent invocations on two shards of the stream, can together
// exceed the rate; SES then throttles some sends, which are backed off and
// tried again (see Sender.Send).
type Pacer struct {
	quota QuotaClient
	log   *slog.Logger
	// reserve is the time a send keeps in hand before the deadline.
	reserve time.Duration
	now     func() time.Time
	sleep   func(context.Context, time.Duration) error

	// fetch is held while GetSendQuota is asked, so that concurrent
	// senders ask once.
	fetch sync.Mutex
	mu    sync.Mutex
	// rate is the account's maximum send rate, zero until it is known.
	rate float64
	// expires is when rate is asked for again.
	expires time.Time
	// next is the earliest time the next send may start.
	next time.Time
	// backoff is the pause after the next throttled send; it doubles with
	// each throttled send in a row and is reset by a send SES accepts.
	backoff time.Duration
}

// NewPacer returns a pacer that reads the account's maximum send rate with
// quota and logs, without any message's details, the rate it keeps to.
func NewPacer(quota QuotaClient, log *slog.Logger) *Pacer {
	return &Pacer{quota: quota, log: log, reserve: DefaultReserve, now: time.Now, sleep: smithytime.SleepWithContext}
}

// Rate returns the rate the pacer spaces sends at, in emails a second,
// reading the account's quota first if it is not known or is out of date.
func (p *Pacer) Rate(ctx context.Context) float64 {
	return p.maxSendRate(ctx) * Headroom
}

// maxSendRate returns the account's maximum send rate, or FallbackRate
// while it cannot be read.
func (p *Pacer) maxSendRate(ctx context.Context) float64 {
	p.mu.Lock()
	rate, fresh := p.rate, p.rate > 0 && p.now().Before(p.expires)
	p.mu.Unlock()
	if fresh {
		return rate
	}
	p.fetch.Lock()
	defer p.fetch.Unlock()
	// Another sender may have asked while this one waited for the lock.
	p.mu.Lock()
	rate, fresh = p.rate, p.rate > 0 && p.now().Before(p.expires)
	p.mu.Unlock()
	if fresh {
		return rate
	}

	qctx, cancel := context.WithTimeout(ctx, quotaTimeout)
	defer cancel()
	out, err := p.quota.GetSendQuota(qctx, &sesapi.GetSendQuotaInput{})
	refresh := QuotaRefresh
	switch {
	case err != nil:
		p.log.WarnContext(ctx, "cannot read the SES sending quota; pacing at the fallback rate", "error", classify(err), "rate", FallbackRate, "retryIn", FallbackRefresh.String())
		rate, refresh = FallbackRate, FallbackRefresh
	case out.MaxSendRate <= 0:
		// A paused account, or an answer without the rate.
		p.log.WarnContext(ctx, "SES reported no sending rate; pacing at the fallback rate", "maxSendRate", out.MaxSendRate, "rate", FallbackRate)
		rate, refresh = FallbackRate, FallbackRefresh
	default:
		rate = out.MaxSendRate
		p.log.InfoContext(ctx, "pacing SES sends", "maxSendRate", rate, "rate", rate*Headroom)
	}
	p.mu.Lock()
	p.rate, p.expires = rate, p.now().Add(refresh)
	p.mu.Unlock()
	return rate
}

// Wait blocks until the caller may start a send, and takes that turn. The
// turns are spaced evenly at Rate: a send starts no sooner than one
// interval after the turn before it, and at once when the pacer has been
// idle for that long.
//
// A send is not started unless it can finish before ctx's deadline: when
// its turn would come later than the reserve before the deadline, Wait
// returns at once, without taking the turn, an error that wraps
// context.DeadlineExceeded and reports NotSent. It returns such an error,
// wrapping ctx.Err(), if ctx ends while it waits.
func (p *Pacer) Wait(ctx context.Context) error {
	interval := time.Duration(float64(time.Second) / p.Rate(ctx))
	p.mu.Lock()
	now := p.now()
	turn := p.next
	if turn.Before(now) {
		turn = now
	}
	if deadline, ok := ctx.Deadline(); ok && turn.Add(p.reserve).After(deadline) {
		p.mu.Unlock()
		return &NotStartedError{err: context.DeadlineExceeded, wait: turn.Sub(now)}
	}
	p.next = turn.Add(interval)
	p.mu.Unlock()
	if d := turn.Sub(now); d > 0 {
		if err := p.sleep(ctx, d); err != nil {
			return &NotStartedError{err: err, wait: d}
		}
	}
	return nil
}

// accepted records that SES took a send.
func (p *Pacer) accepted() {
	p.mu.Lock()
	p.backoff = 0
	p.mu.Unlock()
}

// throttled records that SES refused a send for the rate: every later turn
// is put off by a pause that starts at one pacing interval (at least
// minBackoff) and doubles with each throttled send in a row, up to
// maxBackoff.
func (p *Pacer) throttled(ctx context.Context) time.Duration {
	interval := time.Duration(float64(time.Second) / p.Rate(ctx))
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.backoff == 0 {
		p.backoff = max(interval, minBackoff)
	} else {
		p.backoff = min(2*p.backoff, maxBackoff)
	}
	if resume := p.now().Add(p.backoff); resume.After(p.next) {
		p.next = resume
	}
	return p.backoff
}

// NotStartedError is a send that was never handed to SES: the invocation
// ran out of time, or was cancelled, while the send waited for its turn.
// SES certainly did not send it, and it is worth trying again.
type NotStartedError struct {
	err  error
	wait time.Duration
}

func (e *NotStartedError) Error() string {
	return fmt.Sprintf("ses: send not started, its turn %s away: %v", e.wait.Round(time.Millisecond), e.err)
}

// Unwrap returns context.DeadlineExceeded or the context's error.
func (e *NotStartedError) Unwrap() error { return e.err }

// NotSent is always true: SES was not asked.
func (e *NotStartedError) NotSent() bool { return true }

// Permanent is always false.
func (e *NotStartedError) Permanent() bool { return false }

// rateExceeded reports whether err is SES refusing a send for the account's
// maximum send rate, which passes within a second. SES answers Throttling
// for its daily quota too, which waiting within an invocation does not
// help.
func rateExceeded(err error) bool {
	var e *Error
	if !errors.As(err, &e) || (e.Code != "Throttling" && e.Code != "ThrottlingException") {
		return false
	}
	return !strings.Contains(strings.ToLower(e.Message), "daily")
}
