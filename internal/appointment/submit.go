package appointment

import (
	"bytes"
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// SubmissionStore keeps accepted requests and counts what the limits need.
type SubmissionStore interface {
	// Create stores r, unless d identifies it as a repeat of a request still
	// remembered; then it returns that request's receipt, marked Replayed.
	Create(ctx context.Context, r Request, d Dedupe) (Receipt, error)
	// Replay returns the receipt of the request d identifies, if one is
	// remembered, without storing anything.
	Replay(ctx context.Context, r Request, d Dedupe) (Receipt, bool, error)
	// Count adds delta to the named counter of the window of the given
	// length that starts at windowStart, and returns its new value.
	Count(ctx context.Context, name string, windowStart time.Time, window time.Duration, delta int) (int, error)
	// Decoy remembers, as durably as Create remembers a request's claims,
	// that the decoy named name was answered in the window of the given
	// length that starts at windowStart, and reports whether it had been
	// already. It is all a submission caught by the honeypot leaves in
	// storage, and its write is of the kind Create makes, so that a
	// decoy's answer takes about as long as a real one's.
	Decoy(ctx context.Context, name string, windowStart time.Time, window time.Duration) (repeat bool, err error)
}

// AtomicStore is a SubmissionStore that can also count a submission against
// its limits, take its claims and store it in one atomic write (Submit),
// and count a submission it will not store in one atomic write (Spend).
// Each returns false when its write did not apply, having written nothing.
// An AtomicStore's Decoy keeps each decoy as the counter of its name, at 1
// once answered, so that Spend can take a decoy's record with the others,
// as a counter with a Max of 1.
type AtomicStore interface {
	Submit(ctx context.Context, r Request, d Dedupe, spends []Spend) (Receipt, bool, error)
	Spend(ctx context.Context, spends []Spend) (bool, error)
}

// Challenge verifies the token of a bot challenge such as Cloudflare
// Turnstile. It returns false for a token that was refused and an error when
// the answer could not be had.
type Challenge interface {
	Verify(ctx context.Context, token, remoteIP string) (bool, error)
}

// Errors of a submission's bot challenge.
var (
	// ErrChallengeFailed means the challenge's token was refused, or missing.
	ErrChallengeFailed = errors.New("bot challenge failed")
	// ErrChallengeUnavailable means the challenge could not be verified;
	// the submission is refused, since a bot could not be told apart.
	ErrChallengeUnavailable = errors.New("bot challenge unavailable")
)

// Submission is one request to store, as read from the form.
type Submission struct {
	// Request is the validated request and Dedupe what identifies a repeat
	// of it, when Invalid is nil.
	Request Request
	Dedupe  Dedupe
	// Invalid is why the submission cannot be stored, found while it was
	// read (a *ValidationError, or the reader's own error for a body it
	// could not read). Submit still counts the attempt, and returns it.
	Invalid error
	// Spam is true when the honeypot caught the submission (Form.IsSpam).
	Spam bool
	// SourceIP is the client's address, which the limits count.
	SourceIP string
	// ChallengeToken is the bot challenge's token, if any.
	ChallengeToken string
	// Log is the request's logger, for what Submit lets pass: a counter
	// that could not be reached, or a count not given back. Nil logs
	// nothing.
	Log *slog.Logger
}

func (sub Submission) log() *slog.Logger {
	if sub.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return sub.Log
}

// Submitter is the submission use case: it counts, checks and stores a
// submission, in one order, for every way a submission arrives.
type Submitter struct {
	store     SubmissionStore
	limits    SubmitLimits
	key       []byte
	challenge Challenge
	now       func() time.Time
}

// MinKeyBytes is the shortest hashing key a Submitter accepts: HMAC-SHA256
// needs no more than its block of entropy, and less would make counters
// guessable.
const MinKeyBytes = 32

// NewSubmitter returns the use case over store. key is the stack's secret
// for keyed hashes: clients and addresses are counted under HMAC-SHA256
// values that cannot be reversed without it, and honeypot receipts are
// derived from it. challenge, when not nil, must accept a submission's
// token before anything is stored. A limit that was never set (neither on
// nor NoLimit) is refused, so that a forgotten setting stops start-up
// rather than turning its limit off.
func NewSubmitter(store SubmissionStore, limits SubmitLimits, key []byte, challenge Challenge) (*Submitter, error) {
	if err := limits.Check(); err != nil {
		return nil, err
	}
	if len(key) < MinKeyBytes {
		return nil, fmt.Errorf("hashing key must be at least %d bytes", MinKeyBytes)
	}
	return &Submitter{store: store, limits: limits, key: slices.Clone(key), challenge: challenge, now: time.Now}, nil
}

// Submit stores a submission and returns its receipt, or the error that
// says why it was not stored: a *LimitError, sub.Invalid, ErrChallengeFailed,
// ErrChallengeUnavailable, or storage's (ErrUnavailable,
// ErrIdempotencyKeyReused). The checks run in this order:
//  1. the attempt is counted against the client's budget, whatever follows;
//  2. a valid submission that repeats a remembered one (its Idempotency-Key,
//     or the same details moments ago) gets the remembered answer, even when
//     the client is over a limit, since a retry must learn how its request
//     went;
//  3. a client over its attempt budget is refused, then anything invalid;
//  4. the bot challenge, when configured, is verified;
//  5. the client's limit on stored requests is counted, then the patient
//     mailbox's, for honeypot submissions too, so that a bot meets them
//     as a person would;
//  6. a submission caught by the honeypot gets a decoy receipt (Decoy);
//     any other is stored.
//
// When the store is an AtomicStore, a valid submission is first tried in a
// single write (submitAtOnce); only when that does not apply are the checks
// taken one at a time.
func (s *Submitter) Submit(ctx context.Context, sub Submission) (Receipt, error) {
	now := s.now()
	valid := sub.Invalid == nil
	if valid {
		// Stamped once, so that every write of this submission names the
		// same request, and a claim it finds under its own ID is its own.
		sub.Request.Stamp(now)
	}
	client := s.client(sub.SourceIP)
	challenge := s.verifier(ctx, sub)
	if valid {
		if receipt, done, err := s.submitAtOnce(ctx, sub, challenge, client, now); done {
			return receipt, err
		}
	}

	overBudget := s.countAttempt(ctx, sub, client, now)
	if valid {
		receipt, found, err := s.store.Replay(ctx, sub.Request, sub.Dedupe)
		if err != nil || found {
			// A reused idempotency key is an error too.
			return receipt, err
		}
	}
	if overBudget != nil {
		return Receipt{}, overBudget
	}
	if !valid {
		return Receipt{}, sub.Invalid
	}
	if err := checkChallenge(challenge); err != nil {
		return Receipt{}, err
	}
	address, err := s.countStored(ctx, sub, client, now)
	if err != nil {
		return Receipt{}, err
	}
	if sub.Spam {
		return s.decoy(ctx, sub, address, now)
	}
	receipt, err := s.store.Create(ctx, sub.Request, sub.Dedupe)
	if err != nil || receipt.Replayed {
		// Nothing new was stored, so the patient address's allowance is
		// given back: a patient whose first try met an outage, or who
		// clicked twice, still has all of it.
		address.refund(ctx, s.store, now, sub.log())
	}
	return receipt, err
}

// submitAtOnce stores a valid submission with a single write to storage,
// when the store can do that: the usual case of a new request from a
// client and a patient within their limits, which would otherwise take a
// round trip per counter, one to look for a repeat, one per claim and one
// for the request. A submission caught by the honeypot is counted the same
// way, with its decoy's counter in place of the claims and the request, so
// that its answer costs what a real one's does and comes as soon. Whenever
// the write does not apply (a limit reached, a repeat, a conflict),
// nothing was written and done is false: Submit then takes the checks one
// at a time, in their order, and answers as always.
func (s *Submitter) submitAtOnce(ctx context.Context, sub Submission, challenge func() (bool, error), client string, now time.Time) (r Receipt, done bool, err error) {
	store, ok := s.store.(AtomicStore)
	if !ok {
		return Receipt{}, false, nil
	}
	if passed, err := challenge(); err != nil || !passed {
		return Receipt{}, false, nil
	}
	spends := s.spends(sub, client, now)
	if sub.Spam {
		// The decoy's record stands for the claims: when it is there
		// already, this is a repeat, which the step-by-step path answers.
		seed, d := s.decoySeed(sub.Dedupe)
		counted, err := store.Spend(ctx, append(spends, d.spend(now)))
		if err != nil || !counted {
			return Receipt{}, err != nil, err
		}
		r, err := s.decoyReceipt(seed, false)
		return r, true, err
	}
	r, stored, err := store.Submit(ctx, sub.Request, sub.Dedupe, spends)
	if err != nil {
		// The write may or may not have applied: a retry of the
		// submission finds out, through its claims, and answers as
		// for a repeat.
		return Receipt{}, true, err
	}
	return r, stored, nil
}

// verifier returns the verification of the submission's bot challenge,
// asked of the verifier at most once however often it is called, since a
// challenge's token is good for one verification. Without a verifier every
// submission passes.
func (s *Submitter) verifier(ctx context.Context, sub Submission) func() (bool, error) {
	if s.challenge == nil {
		return passChallenge
	}
	return sync.OnceValues(func() (bool, error) {
		return s.challenge.Verify(ctx, sub.ChallengeToken, sub.SourceIP)
	})
}

func passChallenge() (bool, error) { return true, nil }

// checkChallenge turns the challenge's answer into Submit's error. It
// fails closed: without an answer, a bot could not be told apart.
func checkChallenge(challenge func() (bool, error)) error {
	passed, err := challenge()
	switch {
	case err != nil:
		return fmt.Errorf("%w: %w", ErrChallengeUnavailable, err)
	case !passed:
		return ErrChallengeFailed
	}
	return nil
}

// decoy answers a submission caught by the honeypot as a real one would be
// answered, storing nothing. Its ID and reference are derived from the
// submission under the stack's key, so that sending it again gets the same
// answer, marked as a replay, just as a real repeat does; a bot cannot
// tell from the answers that it was caught. address is the patient
// address's counter, already counted, or the zero counter: as for a real
// request, a decoy that turns out to be a repeat (or cannot be counted)
// gives that count back.
func (s *Submitter) decoy(ctx context.Context, sub Submission, address counter, now time.Time) (Receipt, error) {
	seed, d := s.decoySeed(sub.Dedupe)
	repeat, err := s.store.Decoy(ctx, d.name, now.Truncate(d.limit.Window), d.limit.Window)
	if err != nil || repeat {
		address.refund(ctx, s.store, now, sub.log())
	}
	if err != nil {
		return Receipt{}, err
	}
	return s.decoyReceipt(seed, repeat)
}

// decoySeed returns what a decoy's receipt is derived from, and the
// counter that remembers it for as long as a repeat of a real request
// would be recognised.
func (s *Submitter) decoySeed(d Dedupe) (string, counter) {
	window := DedupeWindow
	if d.IdempotencyKey != "" {
		window = IdempotencyWindow
	}
	seed := s.hash("honeypot", d.IdempotencyKey+"\x00"+d.Fingerprint)
	return seed, decoy(seed, window)
}

// decoyReceipt returns the receipt derived from seed, marked as a replay
// when it repeats an earlier decoy.
func (s *Submitter) decoyReceipt(seed string, replayed bool) (Receipt, error) {
	// 26 bytes draw the ID and the reference needs 8 of its 29 symbols
	// from a byte each, rejecting 24 of 256 values: 128 bytes run short
	// with a chance far below one in 2^100.
	b, err := hkdf.Key(sha256.New, s.key, nil, seed, 128)
	if err != nil {
		return Receipt{}, err
	}
	var src io.Reader = bytes.NewReader(b)
	id, err := NewIDFrom(src)
	if err != nil {
		return Receipt{}, err
	}
	ref, err := NewReferenceFrom(src)
	if err != nil {
		return Receipt{}, err
	}
	return Receipt{ID: id, Reference: ref, Replayed: replayed, Decoy: true}, nil
}

// hash returns the keyed hash of value for the given purpose (KeyedHash).
func (s *Submitter) hash(purpose, value string) string {
	return KeyedHash(s.key, purpose, value)
}
