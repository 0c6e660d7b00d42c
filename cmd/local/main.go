// Command local is the local development server behind `make run`: the demo
// form at /, the API at /appointments, the outbox at /_dev/outbox and the
// stored requests at /_dev/requests, on http://localhost:3000 (PORT
// overrides).
//
// By default it keeps requests, their change log and the outbox of emails
// in an embedded database in .local/ (-data picks another folder), so it
// needs nothing but Go. Only one server may use a folder at a time. With AWS_ENDPOINT_URL
// set it uses DynamoDB and SES at that endpoint instead (moto_server or
// DynamoDB Local), creating the table from template.yaml's definition when
// it is missing and polling its stream.
//
// With -turnstile-site-key (or TURNSTILE_SITE_KEY) the demo form shows
// Cloudflare's Turnstile widget; with -turnstile-secret (or
// TURNSTILE_SECRET) the API has Cloudflare verify each request's token
// before storing it, and accepts only tokens solved on localhost or on the
// hosts of ALLOWED_ORIGINS. Cloudflare's test site key
// 1x00000000000000000000AA shows a widget that always passes, on any host.
// Cloudflare's test secret keys report the tokens they accept as solved on
// example.com, so the API refuses those unless https://example.com is among
// ALLOWED_ORIGINS; a widget of one's own that lists localhost among its
// hostnames works with its own secret key.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	sesapi "github.com/aws/aws-sdk-go-v2/service/ses"

	"example.com/appointments/internal/config"
	"example.com/appointments/internal/dynamo"
	"example.com/appointments/internal/local/devserver"
	"example.com/appointments/internal/local/dynamostreams"
	"example.com/appointments/internal/local/localstore"
	"example.com/appointments/internal/ses"
	"example.com/appointments/internal/testing/samtemplate"
)

func main() {
	dir := flag.String("data", ".local", "folder for the embedded store and the outbox")
	template := flag.String("template", "template.yaml", "the SAM template, for the table's definition")
	// The keys default to the environment after parsing rather than as the
	// flags' defaults, which -h would print, secret and all.
	siteKey := flag.String("turnstile-site-key", "", "Cloudflare Turnstile site key: the demo form shows the widget (default $TURNSTILE_SITE_KEY)")
	secret := flag.String("turnstile-secret", "", "Cloudflare Turnstile secret key: the API refuses requests whose token Cloudflare does not accept (default $TURNSTILE_SECRET, which keeps it out of the process list)")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	cfg, err := config.ReadLocal(os.Getenv)
	if err != nil {
		log.Error("local server cannot start", "error", err)
		os.Exit(1)
	}
	if *siteKey != "" {
		cfg.TurnstileSiteKey = *siteKey
	}
	if *secret != "" {
		cfg.TurnstileSecret = *secret
	}
	if err := run(cfg, *dir, *template, log); err != nil {
		var folder folderError
		if errors.As(err, &folder) {
			// A sentence for the developer rather than a log entry.
			fmt.Fprintln(os.Stderr, folder.Error())
		} else {
			log.Error("local server stopped", "error", err)
		}
		os.Exit(1)
	}
}

func run(cfg config.Local, dir, templatePath string, log *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	port := cfg.Port
	origin := "http://localhost:" + port
	opts := devserver.Options{
		Origin:         origin,
		AllowedOrigins: cfg.AllowedOrigins,
		Dir:            dir,
		SenderEmail:    cfg.Email.Sender,
		FrontDeskEmail: cfg.Email.FrontDesk,
		Log:            log,

		TurnstileSiteKey: cfg.TurnstileSiteKey,
		TurnstileSecret:  cfg.TurnstileSecret,
	}
	where := "the embedded store in " + dir
	if endpoint := cfg.EndpointURL; endpoint != "" {
		backend, err := emulatedAWS(ctx, templatePath, cfg)
		if err != nil {
			return err
		}
		opts.Backend = backend
		where = "DynamoDB and SES at " + endpoint
	}
	srv, err := devserver.New(ctx, opts)
	if err != nil {
		return explainFolder(err, dir, port)
	}
	defer srv.Close()

	// Every loopback name a developer may type reaches the server: IPv4
	// always, IPv6 where the machine has it.
	ln, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		return err
	}
	listeners := []net.Listener{ln}
	if ln6, err := net.Listen("tcp", "[::1]:"+port); err == nil {
		listeners = append(listeners, ln6)
	}
	httpSrv := newHTTPServer(srv, readTimeout)
	fmt.Fprintf(os.Stderr, "\nAppointment requests, running locally on %s\n\n"+
		"  form      %s/\n  API       %s/appointments\n  outbox    %s/_dev/outbox\n  requests  %s/_dev/requests\n\n%sPress Ctrl-C to stop.\n\n",
		where, origin, origin, origin, origin, turnstileNote(cfg.TurnstileSiteKey, cfg.TurnstileSecret))
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = httpSrv.Shutdown(shutdown)
	}()
	served := make(chan error, len(listeners))
	for _, l := range listeners {
		go func() { served <- httpSrv.Serve(l) }()
	}
	for range listeners {
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			_ = httpSrv.Close()
			return err
		}
	}
	return nil
}

// folderError says what is wrong with the data folder and what to do.
type folderError struct{ msg string }

func (e folderError) Error() string { return e.msg }

// explainFolder turns the embedded database's refusals into what a
// developer needs: which folder, why, and how to go on.
func explainFolder(err error, dir, port string) error {
	db := filepath.Join(dir, localstore.FileName)
	switch {
	case errors.Is(err, localstore.ErrLocked):
		return folderError{fmt.Sprintf("Another local server is using the data folder %s (its database %s is locked).\n"+
			"Stop that server, or give this one a folder of its own:\n\n"+
			"  make run ARGS=\"-data %s-2\"\n\n"+
			"and, if the other server keeps port %s, another port: PORT=3001 make run ...", dir, db, dir, port)}
	case errors.Is(err, localstore.ErrDamaged):
		return folderError{fmt.Sprintf("The local database %s is damaged and cannot be read:\n  %v\n\n"+
			"Nothing was changed. To keep it for a look and start with an empty store, move it aside:\n\n"+
			"  mv %s %s.damaged\n\n"+
			"or start on another folder: make run ARGS=\"-data DIR\".", db, err, db, db)}
	}
	return err
}

// readTimeout bounds how long one request may take to arrive. A form is a
// few kilobytes: a request still arriving after 10 seconds is holding a
// connection, not sending a form.
const readTimeout = 10 * time.Second

// newHTTPServer serves h with bounded reads, so that a slowly sent request
// cannot hold a connection open.
func newHTTPServer(h http.Handler, read time.Duration) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: read / 2, ReadTimeout: read, IdleTimeout: time.Minute}
}

// turnstileNote says what the Turnstile settings do, for the banner. One
// key without the other is allowed, and worth a word: a widget whose token
// nobody checks, or an API that refuses every post of a form without one.
func turnstileNote(siteKey, secret string) string {
	switch {
	case siteKey != "" && secret != "":
		return "Turnstile: the form shows the widget, and the API verifies its token.\n\n"
	case siteKey != "":
		return "Turnstile: the form shows the widget; without a secret the API does not verify its token.\n\n"
	case secret != "":
		return "Turnstile: the API verifies tokens, but without a site key the demo form has no widget,\nso its posts are refused.\n\n"
	}
	return ""
}

// emulatedAWS connects to DynamoDB and SES at AWS_ENDPOINT_URL, through the
// SDK's own handling of that variable, and prepares what the functions
// expect to find: the table cfg names (from template.yaml's definition)
// and a verified sender.
func emulatedAWS(ctx context.Context, templatePath string, cfg config.Local) (*devserver.Backend, error) {
	opts := []func(*awsconfig.LoadOptions) error{}
	if os.Getenv("AWS_REGION") == "" && os.Getenv("AWS_DEFAULT_REGION") == "" {
		opts = append(opts, awsconfig.WithRegion("us-east-1"))
	}
	if os.Getenv("AWS_ACCESS_KEY_ID") == "" {
		// Emulators accept any credentials; these keep the SDK from
		// looking for real ones.
		opts = append(opts, awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("local", "local", "")))
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, err
	}
	table := cfg.Table
	db := dynamodb.NewFromConfig(awsCfg)
	streamARN, err := ensureTable(ctx, db, templatePath, table)
	if err != nil {
		return nil, err
	}
	sender := cfg.Email.Sender
	if sender == "" {
		sender = "appointments@example.com"
	}
	mail := sesapi.NewFromConfig(awsCfg)
	// Like the SES sandbox, emulators send only from verified addresses;
	// verifying at an emulator is immediate.
	if _, err := mail.VerifyEmailIdentity(ctx, &sesapi.VerifyEmailIdentityInput{EmailAddress: &sender}); err != nil {
		return nil, fmt.Errorf("verify sender at the emulator: %w", err)
	}
	return &devserver.Backend{
		Store:  dynamo.New(db, table, 365),
		Stream: dynamostreams.NewReader(dynamodbstreams.NewFromConfig(awsCfg), streamARN),
		Sender: ses.New(mail, cfg.Email.ConfigurationSet),
	}, nil
}

// ensureTable creates the table from the template's definition unless it
// exists, waits until it is active and returns its stream's ARN.
func ensureTable(ctx context.Context, db *dynamodb.Client, templatePath, table string) (string, error) {
	desc, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &table})
	var missing *types.ResourceNotFoundException
	if errors.As(err, &missing) {
		tpl, err := os.ReadFile(templatePath)
		if err != nil {
			return "", err
		}
		def, err := samtemplate.RequestsTable(tpl, table)
		if err != nil {
			return "", err
		}
		if _, err := db.CreateTable(ctx, def); err != nil {
			return "", fmt.Errorf("create table %s: %w", table, err)
		}
		waiter := dynamodb.NewTableExistsWaiter(db)
		if err := waiter.Wait(ctx, &dynamodb.DescribeTableInput{TableName: &table}, time.Minute); err != nil {
			return "", err
		}
		desc, err = db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &table})
		if err != nil {
			return "", err
		}
	} else if err != nil {
		return "", fmt.Errorf("describe table %s: %w", table, err)
	}
	if desc.Table.LatestStreamArn == nil {
		return "", fmt.Errorf("table %s has no stream", table)
	}
	return *desc.Table.LatestStreamArn, nil
}
