// Package devserver is the local development server behind `make run`: the
// demo form, the API, and pages that show the emails sent and the requests
// stored. It runs the same SubmitFunction and NotifyFunction handlers that
// Lambda runs: HTTP requests become API Gateway events for the submit
// handler, and the store's changes become DynamoDB stream events for the
// notify handler, so no behaviour is implemented a second time. The
// requests page's button runs DigestFunction's handler, which a schedule
// runs on AWS.
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
	"example.com/appointments/internal/digest"
	"example.com/appointments/internal/dynamo"
	"example.com/appointments/internal/email"
	"example.com/appointments/internal/feedback"
	"example.com/appointments/internal/httpapi"
	"example.com/appointments/internal/libphonenumber"
	"example.com/appointments/internal/local/localstore"
	"example.com/appointments/internal/manage"
	"example.com/appointments/internal/metrics"
	"example.com/appointments/internal/notify"
	"example.com/appointments/internal/turnstile"
)

// Store is what the server needs of storage: what the two handlers use,
// and a listing for the requests page.
type Store interface {
	httpapi.Store
	notify.Deliveries
	notify.Suppressions
	feedback.Store
	manage.Store
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
	once   sync.Once
}

// pumpInterval is how often the stream is read when nothing signals a
// change; retryInterval is how long failed records wait, as Lambda waits
// before handing a failed batch over again.
const (
	pumpInterval  = 500 * time.Millisecond
	retryInterval = 2 * time.Second
)

// New starts a server. Close stops its background work.
func New(ctx context.Context, opts Options) (*Server, error) {
	if opts.Origin == "" {
		return nil, errors.New("the server's origin is required")
	}
	if opts.ThankYouURL == "" {
		opts.ThankYouURL = strings.TrimSuffix(opts.Origin, "/") + "/thank-you"
	}
	if opts.SenderEmail == "" {
		opts.SenderEmail = "appointments@example.com"
	}
	if len(opts.FrontDeskEmail) == 0 {
		opts.FrontDeskEmail = []string{"frontdesk@example.com"}
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	profile, err := clinic.Default()
	if err != nil {
		return nil, err
	}
	local, err := localstore.Open(opts.Dir)
	if err != nil {
		return nil, err
	}
	requests, emails, err := local.ImportEarlier(opts.Dir)
	if err != nil {
		local.Close()
		return nil, err
	}
	if requests+emails > 0 {
		log.Info("imported the data of an earlier version of the local server", "requests", requests, "emails", emails, "folder", opts.Dir)
	}
	s := &Server{mux: http.NewServeMux(), profile: profile, siteKey: opts.TurnstileSiteKey, local: local, log: log, done: make(chan struct{})}
	var sender notify.Sender = local
	if b := opts.Backend; b != nil {
		s.store, s.stream = b.Store, b.Stream
		sender = &keepingSender{next: b.Sender, outbox: local}
	} else {
		s.store = local
	}

	// A key of the server's own: counters start afresh when it restarts,
	// which suits development.
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}

	own := ownOrigins(opts.Origin)
	for _, o := range own {
		if n, err := httpapi.NormalizeOrigin(o); err == nil {
			s.own = append(s.own, n)
		}
	}
	s.handler = guard(hostsOf(own), s.mux)
	origins := append(own, opts.AllowedOrigins...)
	challenge, err := turnstileChallenge(opts, origins)
	if err != nil {
		return nil, err
	}

	// Metrics go nowhere locally: the log lines they are written as would
	// only bury the server's own output.
	quiet := metrics.New(io.Discard, "Local")
	s.submit, err = httpapi.New(httpapi.Config{
		AllowedOrigins: origins,
		ThankYouURL:    opts.ThankYouURL,
		// Looser than the stack's defaults, so that a developer can send
		// the form many times from one machine and one address; the same
		// limits code runs, and a 429 still looks as it will on AWS.
		Accepted:   httpapi.Limit{Max: 60, Window: time.Hour},
		Attempts:   httpapi.Limit{Max: 600, Window: time.Hour},
		PerAddress: httpapi.Limit{Max: 20, Window: 24 * time.Hour},
		Key:        key,
		Challenge:  challenge,
		Phones:     libphonenumber.Reader{},
	}, profile, s.store, log, quiet)
	if err != nil {
		return nil, err
	}
	// The action links' key is kept in the embedded database, so that the
	// links in the outbox work after a restart.
	linkKey, err := local.ActionLinkKey()
	if err != nil {
		return nil, err
	}
	if s.links, err = actionlink.New(linkKey); err != nil {
		return nil, err
	}
	// The template's default limit on reschedules.
	s.manage = manage.New(s.links, appointment.Rules{Profile: profile, ReschedulesPerDay: 5}, s.store, log)
	s.origin = strings.TrimSuffix(opts.Origin, "/")
	// The emails' links lead to this server's own action pages.
	links := func(id string, a appointment.Action) string { return s.origin + s.links.Path(id, a, time.Now()) }
	composer, err := email.NewComposer(profile, email.Settings{Sender: opts.SenderEmail, FrontDesk: opts.FrontDeskEmail, Links: links})
	if err != nil {
		return nil, err
	}
	// Both stores' streams carry records shaped as DynamoDB's are.
	s.notify = notify.New(dynamo.ChangeOf, s.store, sender, composer, log, quiet)
	s.notify.CapConfirmations(s.store, 200, time.Hour)
	// Addresses that complained (through the outbox's buttons) get no
	// more patient emails, as on AWS; the key is kept in the database so
	// that a suppression outlives a restart.
	suppressionKey, err := local.SuppressionKey()
	if err != nil {
		return nil, err
	}
	s.notify.CheckSuppressions(s.store, suppressionKey)
	s.feedback = feedback.New(s.store, suppressionKey, log, quiet)
	// The morning digest from the same store, composer and sender, so it
	// reaches the outbox like every other email.
	s.digest = digest.New(s.store, sender, composer, profile, log, quiet)

	s.routes()
	ctx, s.cancel = context.WithCancel(ctx)
	if s.stream != nil {
		go s.pump(ctx)
	} else {
		go s.follow(ctx)
	}
	return s, nil
}

// turnstileChallenge returns the verifier of Turnstile tokens when a secret
// is configured, and nil otherwise. The widget is trusted only where the
// form may be posted from, so the hosts of those origins are the ones whose
// tokens it accepts.
func turnstileChallenge(opts Options, origins []string) (httpapi.Challenge, error) {
	if opts.TurnstileSecret == "" {
		return nil, nil
	}
	endpoint := opts.TurnstileSiteverifyURL
	if endpoint == "" {
		endpoint = turnstile.SiteverifyURL
	}
	v, err := turnstile.New(opts.TurnstileSecret, origins, endpoint)
	if err != nil {
		return nil, err
	}
	return v, nil
}

func (s *Server) routes() {
	s.mux.Handle("GET /{$}", formHandler(s.profile, "/appointments", s.siteKey))
	s.mux.Handle("GET /thank-you", thankYouHandler(s.profile))
	s.mux.Handle("GET /assets/", assetsHandler())
	s.mux.Handle("/appointments", lambdaHTTP(s.submit.Handle, httpapi.MaxBodyBytes))
	s.mux.HandleFunc("GET /_dev/outbox", s.outboxPage)
	s.mux.HandleFunc("GET /_dev/outbox/{id}/html", s.outboxHTML)
	s.mux.HandleFunc("POST /_dev/outbox/{id}/feedback", s.simulateFeedback)
	s.mux.HandleFunc("GET /_dev/requests", s.requestsPage)
	s.mux.HandleFunc("POST /_dev/digest", s.sendDigest)
	s.mux.Handle(manage.PathPrefix, lambdaHTTP(s.manage.Handle, manage.MaxBodyBytes))
}

// ServeHTTP serves the server's pages and API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Close stops reading the stream and closes the embedded database.
func (s *Server) Close() error {
	var err error
	s.once.Do(func() {
		s.cancel()
		<-s.done
		err = s.local.Close()
	})
	return err
}
