package appointment

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// This file holds the limits a submission meets, all of them: what is
// counted, under which counter name, against which Limit, and when a count
// is given back. Submit (submit.go) decides when each is counted.

// SubmitLimits are the limits a submission is counted against. Each is on,
// or turned off with NoLimit; a zero Limit is a mistake (Check).
type SubmitLimits struct {
	// Attempts limits every request one client (source IP) makes, valid
	// or not.
	Attempts Limit
	// Accepted limits the requests one client may have stored.
	Accepted Limit
	// PerAddress limits the requests stored for one patient address, so
	// that the form cannot be used to flood a stranger with confirmations.
	PerAddress Limit
}

// Check reports a limit that was never set, naming it.
func (l SubmitLimits) Check() error {
	for _, c := range []struct {
		name  string
		limit Limit
	}{{"attempts", l.Attempts}, {"accepted requests", l.Accepted}, {"requests per address", l.PerAddress}} {
		if err := c.limit.Check(); err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
	}
	return nil
}

// SubmitLimit names one of a submission's limits, as a LimitError reports
// it.
type SubmitLimit string

// The limits of a submission.
const (
	LimitAttempts   SubmitLimit = "attempts"
	LimitAccepted   SubmitLimit = "accepted"
	LimitPerAddress SubmitLimit = "per-address"
)

// counter is one count a submission makes against one of its limits.
type counter struct {
	kind  SubmitLimit
	name  string // the counter's name in storage
	limit Limit
}

// Counter names. Clients and addresses are named by keyed hashes under the
// stack's key (KeyedHash), so that storage never holds a client's address
// or a patient's email, nor a hash anyone can reverse by trying them.
const (
	counterAttempts = "attempts#"
	counterClient   = "client#"
	counterAddress  = "address#"
	counterDecoy    = "honeypot#"
)

// client names a client (its source IP) in the names of its counters.
func (s *Submitter) client(sourceIP string) string {
	return s.hash("client", sourceIP)
}

// attempts is the counter of every request of a client, named by client.
func (s *Submitter) attempts(client string) counter {
	return counter{LimitAttempts, counterAttempts + client, s.limits.Attempts}
}

// accepted is the counter of a client's stored requests.
func (s *Submitter) accepted(client string) counter {
	return counter{LimitAccepted, counterClient + client, s.limits.Accepted}
}

// perAddress is the counter of the requests stored for a patient address:
// named by the mailbox it reaches (Mailbox), so that every spelling of one
// mailbox spends one allowance. The confirmation still goes to the address
// as typed.
func (s *Submitter) perAddress(email string) counter {
	return counter{LimitPerAddress, counterAddress + s.hash("address", Mailbox(email)), s.limits.PerAddress}
}

// decoy is the counter that remembers a decoy's answer, at 1 once given,
// for as long as a real request's repeat is recognised.
func decoy(seed string, window time.Duration) counter {
	return counter{name: counterDecoy + seed, limit: Limit{Max: 1, Window: window}}
}

// spend is c as one count of a one-write submission (AtomicStore).
func (c counter) spend(now time.Time) Spend {
	return Spend{Name: c.name, WindowStart: now.Truncate(c.limit.Window), Window: c.limit.Window, Max: c.limit.Max}
}

// count counts one event against c's limit. It returns a *LimitError,
// saying when the window ends, when the limit is exceeded; storage's
// failure as it is.
func (c counter) count(ctx context.Context, store SubmissionStore, now time.Time) error {
	start := now.Truncate(c.limit.Window)
	n, err := store.Count(ctx, c.name, start, c.limit.Window, 1)
	if err != nil {
		return err
	}
	if n <= c.limit.Max {
		return nil
	}
	return &LimitError{Of: c.kind, Limit: c.limit.Max, Window: c.limit.Window, Until: start.Add(c.limit.Window)}
}

// refund gives back what count counted, as far as storage lets it; a count
// that stays is only a little too strict. The zero counter, which counted
// nothing, gives back nothing.
func (c counter) refund(ctx context.Context, store SubmissionStore, now time.Time, log *slog.Logger) {
	if c.name == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 500*time.Millisecond)
	defer cancel()
	if _, err := store.Count(ctx, c.name, now.Truncate(c.limit.Window), c.limit.Window, -1); err != nil {
		log.WarnContext(ctx, "count not given back", "error", err)
	}
}

// countAttempt counts a request against its client's attempt budget and
// returns the *LimitError when the client is over it. A counter that
// cannot be reached lets the request through: the limits on stored
// requests, and the store itself, still stand behind it, and a patient
// should see what is wrong with the form rather than an outage.
func (s *Submitter) countAttempt(ctx context.Context, sub Submission, client string, now time.Time) error {
	if !s.limits.Attempts.On() {
		return nil
	}
	err := s.attempts(client).count(ctx, s.store, now)
	if _, limited := err.(*LimitError); err != nil && !limited {
		sub.log().WarnContext(ctx, "attempt not counted", "error", err)
		return nil
	}
	return err
}

// countStored counts a submission that is to be stored, or answered as if
// it were, against the client's limit on stored requests and then the
// patient address's. It returns the address's counter when it was counted
// (the zero counter otherwise), so that the count can be given back if
// nothing is stored after all.
func (s *Submitter) countStored(ctx context.Context, sub Submission, client string, now time.Time) (counter, error) {
	if s.limits.Accepted.On() {
		if err := s.accepted(client).count(ctx, s.store, now); err != nil {
			return counter{}, err
		}
	}
	if !s.limits.PerAddress.On() {
		return counter{}, nil
	}
	address := s.perAddress(sub.Request.Email)
	if err := address.count(ctx, s.store, now); err != nil {
		return counter{}, err
	}
	return address, nil
}

// spends are the counts of a one-write submission: the limits that are on,
// in the order the step-by-step path counts them.
func (s *Submitter) spends(sub Submission, client string, now time.Time) []Spend {
	spends := make([]Spend, 0, 4)
	for _, c := range []counter{s.attempts(client), s.accepted(client), s.perAddress(sub.Request.Email)} {
		if c.limit.On() {
			spends = append(spends, c.spend(now))
		}
	}
	return spends
}
