// Package devserver is the local development server behind `make run`: the
// demo form, the API, and pages that show the emails sent and the requests
// stored. It runs the same SubmitFunction and NotifyFunction handlers that
// Lambda runs: HTTP requests become API Gateway events for the submit
// handler, and the store's changes become DynamoDB stream events for the
// notify handler, so no behaviour is implemented a second time. The
// requests page's button runs DigestFunction's handler, which a schedule
// runs on AWS; RemindFunction's sweep runs every minute, and from another
// button, on a clock of the server's own that the page moves ahead.
package devserver

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"example.com/appointments/internal/actionlink"
	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/config"
	"example.com/appointments/internal/digest"
	"example.com/appointments/internal/feedback"
	"example.com/appointments/internal/httpapi"
	"example.com/appointments/internal/local/localstore"
	"example.com/appointments/internal/manage"
	"example.com/appointments/internal/metrics"
	"example.com/appointments/internal/notify"
	"example.com/appointments/internal/remind"
	"example.com/appointments/internal/turnstile"
	"example.com/appointments/internal/wire/digestfn"
	"example.com/appointments/internal/wire/feedbackfn"
	"example.com/appointments/internal/wire/mailer"
	"example.com/appointments/internal/wire/managefn"
	"example.com/appointments/internal/wire/remindfn"
	"example.com/appointments/internal/wire/submitfn"
)

// Store is what the server needs of storage: what the two handlers use,
// and a listing for the requests page.
type Store interface {
	httpapi.Store
	notify.Deliveries
	notify.Suppressions
	feedback.Store
	manage.Store
	remind.Store
	List(ctx context.Context, status appointment.Status, limit int) ([]appointment.Request, error)
}

// Stream hands out the store's changes as Lambda delivers stream records.
type Stream interface {
	Read(ctx context.Context) ([]events.DynamoDBEventRecord, error)
}

// Backend is storage and email somewhere other than the embedded store and
// the outbox: DynamoDB and SES at an emulator's endpoint.
type Backend struct {
	Store  Store
	Stream Stream
	// Sender sends emails; each one sent is also kept in the outbox.
	Sender notify.Sender
}

// Options configure the server.
type Options struct {
	// Origin is the server's own origin, such as http://localhost:3000. The
	// form it serves posts from there, so it is always allowed.
	Origin string
	// AllowedOrigins are other website origins that may post the form.
	AllowedOrigins []string
	// Dir keeps the embedded database: the requests, their change log and
	// the outbox.
	Dir string
	// ThankYouURL is where plain form posts go; by default the server's own
	// thank-you page.
	ThankYouURL string
	// SenderEmail and FrontDeskEmail are the emails' sender and front desk;
	// by default example addresses.
	SenderEmail    string
	FrontDeskEmail []string
	// TurnstileSiteKey, when set, shows Cloudflare's Turnstile widget on the
	// demo form.
	TurnstileSiteKey string
	// TurnstileSecret, when set, makes the API verify each submission's
	// Turnstile token before storing anything, as the stack does with its
	// secret. Tokens are accepted only if solved on the host of Origin or
	// of one of AllowedOrigins.
	TurnstileSecret string
	// TurnstileSiteverifyURL is where tokens are verified; by default
	// Cloudflare's siteverify endpoint.
	TurnstileSiteverifyURL string
	// Backend, when set, replaces the embedded store; the outbox stays in
	// the embedded database.
	Backend *Backend
	// Log receives the handlers' logs; by default they are discarded.
	Log *slog.Logger
	// ReminderSweep is how often the reminders due are sent in the
	// background, on the server's clock; by default every minute.
	ReminderSweep time.Duration
	// ManualReminders turns the background sweep off: reminders go only
	// when the requests page's button is pressed, so that a test decides
	// when they go.
	ManualReminders bool
	// Profile is the clinic the server is for; by default the embedded
	// profile, as in the functions.
	Profile *clinic.Profile
}

// Server is the local development server.
type Server struct {
	mux     *http.ServeMux
	handler http.Handler // mux behind the Host check
	profile *clinic.Profile
	siteKey string
	store   Store
	stream  Stream // the backend's stream; nil for the embedded store
	local   *localstore.Store
	submit  *httpapi.Handler
	notify  *notify.Handler
	manage  *manage.Handler
	digest  *digest.Handler
	// remind sends the reminders due, through tally, which counts how
	// they ended; sweepMu lets one sweep run at a time. before is how
	// long before an appointment its reminder goes.
	remind  *remind.Sweeper
	tally   *tally
	sweepMu sync.Mutex
	before  time.Duration
	// clock is the time the handlers read, real time or ahead of it once
	// the requests page moves it; only the email handler's leases and
	// the submit handler, which has no way to be given a clock, keep real
	// time.
	clock clock
	// feedback records SES's reports, which the outbox's buttons make up
	// locally.
	feedback *feedback.Handler
	links    *actionlink.Signer
	origin   string
	// own are the server's own origins, normalised, from which its pages'
	// forms post.
	own []string
	log *slog.Logger

	cancel context.CancelFunc
	done   chan struct{}
	// sweeping waits for the background sweep of reminders.
	sweeping sync.WaitGroup
	once     sync.Once
}

// pumpInterval is how often the stream is read when nothing signals a
// change; retryInterval is how long failed records wait, as Lambda waits
// before handing a failed batch over again.
const (
	pumpInterval  = 500 * time.Millisecond
	retryInterval = 2 * time.Second
)

// The local server's own limits: looser than the stack's defaults, so that
// a developer can send the form many times from one machine and one
// address; the same limits code runs, and a 429 still looks as it will on
// AWS. docs/local-development.md lists them.
var (
	localLimits = config.Limits{
		Accepted:   appointment.PerHour(60),
		Attempts:   appointment.PerHour(600),
		PerAddress: appointment.PerDay(20),
	}
	localConfirmations = appointment.PerHour(200)
	// localReschedules is the template's default limit on reschedules.
	localReschedules = 5
)

// New starts a server. Close stops its background work.
func New(ctx context.Context, opts Options) (*Server, error) {
	if opts.Origin == "" {
		return nil, errors.New("the server's origin is required")
	}
	opts = withDefaults(opts)
	profile := opts.Profile
	if profile == nil {
		var err error
		if profile, err = clinic.Default(); err != nil {
			return nil, err
		}
	}
	local, err := openLocal(opts.Dir, opts.Log)
	if err != nil {
		return nil, err
	}
	s := &Server{mux: http.NewServeMux(), profile: profile, siteKey: opts.TurnstileSiteKey, local: local, log: opts.Log, done: make(chan struct{})}
	s.origin = strings.TrimSuffix(opts.Origin, "/")
	// The embedded database reads the server's clock, for the outbox
	// too, set before anything runs in the background.
	local.SetClock(s.clock.now)
	var sender notify.Sender = local
	if b := opts.Backend; b != nil {
		s.store, s.stream = b.Store, b.Stream
		sender = &keepingSender{next: b.Sender, outbox: local}
	} else {
		s.store = local
	}
	own := ownOrigins(opts.Origin)
	for _, o := range own {
		if n, err := httpapi.NormalizeOrigin(o); err == nil {
			s.own = append(s.own, n)
		}
	}
	s.handler = guard(hostsOf(own), s.mux)
	if err := s.build(opts, append(own, opts.AllowedOrigins...), sender); err != nil {
		local.Close()
		return nil, err
	}
	s.routes()
	ctx, s.cancel = context.WithCancel(ctx)
	if s.stream != nil {
		go s.pump(ctx)
	} else {
		go s.follow(ctx)
	}
	if !opts.ManualReminders {
		s.sweeping.Add(1)
		go s.sweepEvery(ctx, opts.ReminderSweep)
	}
	return s, nil
}

// withDefaults fills in the options left empty.
func withDefaults(opts Options) Options {
	if opts.ThankYouURL == "" {
		opts.ThankYouURL = strings.TrimSuffix(opts.Origin, "/") + "/thank-you"
	}
	if opts.SenderEmail == "" {
		opts.SenderEmail = "appointments@example.com"
	}
	if len(opts.FrontDeskEmail) == 0 {
		opts.FrontDeskEmail = []string{"frontdesk@example.com"}
	}
	if opts.TurnstileSiteverifyURL == "" {
		opts.TurnstileSiteverifyURL = turnstile.SiteverifyURL
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.ReminderSweep <= 0 {
		opts.ReminderSweep = defaultReminderSweep
	}
	return opts
}

// openLocal opens the embedded database in dir, importing the data of an
// earlier version of the server found there.
func openLocal(dir string, log *slog.Logger) (*localstore.Store, error) {
	local, err := localstore.Open(dir)
	if err != nil {
		return nil, err
	}
	requests, emails, err := local.ImportEarlier(dir)
	if err != nil {
		local.Close()
		return nil, err
	}
	if requests+emails > 0 {
		log.Info("imported the data of an earlier version of the local server", "requests", requests, "emails", emails, "folder", dir)
	}
	return local, nil
}

// build makes the handlers with the functions' own constructors, on the
// server's store and sender, with the server's configuration: origins may
// post the form, and the emails go out through sender.
func (s *Server) build(opts Options, origins []string, sender notify.Sender) error {
	// A key of the server's own: counters start afresh when it restarts,
	// which suits development.
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	challenge, err := submitfn.Challenge(opts.TurnstileSecret, origins, opts.TurnstileSiteverifyURL)
	if err != nil {
		return err
	}
	// Metrics go nowhere locally: the log lines they are written as would
	// only bury the server's own output.
	quiet := metrics.New(io.Discard, "Local")
	log := opts.Log
	s.submit, err = submitfn.New(config.Submit{AllowedOrigins: origins, ThankYouURL: opts.ThankYouURL, Limits: localLimits},
		submitfn.Adapters{Store: s.store, Key: key, Challenge: challenge}, s.profile, log, quiet)
	if err != nil {
		return err
	}
	// The action links' key is kept in the embedded database, so that the
	// links in the outbox work after a restart.
	linkKey, err := s.local.ActionLinkKey()
	if err != nil {
		return err
	}
	if s.links, err = actionlink.New(linkKey); err != nil {
		return err
	}
	s.manage = managefn.New(config.Manage{ReschedulesPerDay: localReschedules}, s.links, s.store, s.profile, log)
	s.manage.SetClock(s.clock.now)
	// A backend's store reads the server's clock too, as the embedded
	// one does (New).
	if c, ok := s.store.(interface{ SetClock(func() time.Time) }); ok {
		c.SetClock(s.clock.now)
	}
	// Addresses that complained (through the outbox's buttons) get no
	// more patient emails, as on AWS; the key is kept in the database so
	// that a suppression outlives a restart.
	suppressionKey, err := s.local.SuppressionKey()
	if err != nil {
		return err
	}
	// The emails' links lead to this server's own action pages, signed
	// on the server's clock, so that a link mailed after the clock moved
	// lasts as long from then as on AWS.
	links := func(id string, a appointment.Action) string { return s.origin + s.links.Path(id, a, s.clock.now()) }
	mail := config.Email{Sender: opts.SenderEmail, FrontDesk: opts.FrontDeskEmail, StaffDetail: config.StaffDetailFull}
	notifyConfig := config.Notify{Email: mail, Confirmations: localConfirmations}
	// The handler's leases stay on real time: a lease guards a send under
	// way for seconds, and a clock moved by a day would end every lease
	// taken before the move, letting a second sender in.
	s.notify, err = mailer.New(notifyConfig,
		mailer.Adapters{Store: s.store, Sender: sender, Links: links, HashingKey: suppressionKey}, s.profile, log, quiet)
	if err != nil {
		return err
	}
	// RemindFunction's sweep, on the same store and with the same email
	// handler as every other email, on the server's clock.
	s.before = time.Duration(appointment.DefaultReminderHoursBefore) * time.Hour
	s.tally = &tally{next: s.notify, store: s.store}
	s.remind = remindfn.New(config.Remind{Notify: notifyConfig, Before: s.before}, s.store, s.tally, log, quiet)
	s.remind.SetClock(s.clock.now)
	s.feedback = feedbackfn.New(s.store, suppressionKey, log, quiet)
	// The morning digest from the same store and sender, so it reaches the
	// outbox like every other email.
	s.digest, err = digestfn.New(config.Digest{Email: mail}, s.store, sender, links, s.profile, log, quiet)
	return err
}

func (s *Server) routes() {
	s.mux.Handle("GET /{$}", formHandler(s.profile, "/appointments", s.siteKey))
	s.mux.Handle("GET /thank-you", thankYouHandler(s.profile))
	s.mux.Handle("GET /assets/", assetsHandler())
	s.mux.Handle("/appointments", lambdaHTTP(s.submit.Handle, httpapi.MaxBodyBytes))
	s.mux.HandleFunc("GET /_dev/outbox", s.outboxPage)
	s.mux.HandleFunc("GET /_dev/outbox/{id}/html", s.outboxHTML)
	s.mux.HandleFunc("GET /_dev/outbox/{id}/invitation", s.outboxInvitation)
	s.mux.HandleFunc("POST /_dev/outbox/{id}/feedback", s.simulateFeedback)
	s.mux.HandleFunc("GET /_dev/requests", s.requestsPage)
	s.mux.HandleFunc("POST /_dev/digest", s.sendDigest)
	s.mux.HandleFunc("POST /_dev/reminders", s.sendReminders)
	s.mux.HandleFunc("POST /_dev/clock", s.moveClock)
	s.mux.Handle(manage.PathPrefix, lambdaHTTP(s.manage.Handle, manage.MaxBodyBytes))
}

// ServeHTTP serves the server's pages and API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Close stops reading the stream and sweeping for reminders, and closes
// the embedded database.
func (s *Server) Close() error {
	var err error
	s.once.Do(func() {
		s.cancel()
		<-s.done
		s.sweeping.Wait()
		err = s.local.Close()
	})
	return err
}
