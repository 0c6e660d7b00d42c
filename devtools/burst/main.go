// Command burst shows NotifyFunction draining a burst of appointment
// requests at the account's SES sending rate, each email sent exactly once.
//
// It stores the requests with the real DynamoDB adapter in a table made as
// template.yaml defines RequestsTable, at a moto_server it starts (or the
// one -moto names), reads their records from the table's stream, and hands
// them to the real notify handler, in process, the way Lambda's event
// source mapping does with the template's settings: in order, one
// invocation at a time, BatchSize records a batch, the function's Timeout
// as each invocation's deadline, a batch with failures retried from the
// first one, and a batch retried more than MaximumRetryAttempts times
// reported to a dead-letter list (internal/local/dynamostreams's Shard). The handler is wired as
// functions/notify wires it, with the confirmation cap and the suppression
// list, and sends through a stub of SES on a loopback port that accepts at
// most MaxSendRate sends in any one second and throttles the rest, as SES
// does (internal/testing/awsstub's ThrottleSends).
//
// It prints the emails sent, duplicates, missing emails, dead letters, the
// elapsed time from the first invocation to the end of the last, the
// invocations, and the sends per second achieved against the allowed
// rate. It exits non-zero if a request lacks one of its two emails, an
// email went out twice, or a record reached the dead-letter list.
//
//	go run ./devtools/burst            # 150 requests, SES at 14 sends a second
//	go run ./devtools/burst -busy      # the same while another process keeps one core busy
//	go run ./devtools/burst -short     # 30 requests at 50 a second, for CI
//	go run ./devtools/burst -pace=false  # without pacing, as before
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	sesapi "github.com/aws/aws-sdk-go-v2/service/ses"

	"example.com/appointments/internal/actionlink"
	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/dynamo"
	"example.com/appointments/internal/email"
	"example.com/appointments/internal/local/dynamostreams"
	"example.com/appointments/internal/metrics"
	"example.com/appointments/internal/notify"
	"example.com/appointments/internal/ses"
	"example.com/appointments/internal/testing/awsstub"
	"example.com/appointments/internal/testing/mototest"
	"example.com/appointments/internal/testing/samtemplate"
)

func main() {
	if os.Getenv(spinEnv) != "" {
		spin()
	}
	var c config
	short := flag.Bool("short", false, "a quick run for CI: 30 requests at 50 sends a second")
	flag.IntVar(&c.requests, "requests", 0, "requests in the burst (default 150, or 30 with -short)")
	flag.Float64Var(&c.rate, "rate", 0, "the SES stub's MaxSendRate, in sends a second (default 14, or 50 with -short)")
	flag.BoolVar(&c.busy, "busy", false, "keep one core busy with another process while the burst drains")
	flag.BoolVar(&c.pace, "pace", true, "pace sends to GetSendQuota's MaxSendRate; false sends as fast as the handler goes")
	flag.IntVar(&c.batchSize, "batch", 0, "records per invocation (default: the template's BatchSize)")
	flag.StringVar(&c.moto, "moto", "", "endpoint of a running moto_server (default: start one)")
	verbose := flag.Bool("v", false, "write the handler's warnings to standard error")
	flag.Parse()
	c.short = *short
	if *verbose {
		c.log = os.Stderr
	}
	// The program measures: the CA bundles some machines point the AWS SDK
	// and TLS clients at are not what a Lambda function runs with.
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); caVariable(name) {
			os.Unsetenv(name)
		}
	}
	res, err := run(context.Background(), c)
	if err != nil {
		fmt.Fprintln(os.Stderr, "burst:", err)
		os.Exit(1)
	}
	res.print(os.Stdout)
	if problems := res.problems(); len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(os.Stderr, "burst:", p)
		}
		os.Exit(1)
	}
}

// caVariable reports whether name is an environment variable that points a
// TLS client at a custom CA bundle: AWS_CA_BUNDLE and its kind.
func caVariable(name string) bool {
	for _, s := range []string{"CA_BUNDLE", "SSL_CERT", "CA_CERTS", "CAINFO", "SSL_ROOTS"} {
		if strings.Contains(name, s) {
			return true
		}
	}
	return name == "PIP_CERT"
}

// config is one run's settings.
type config struct {
	short     bool
	requests  int
	rate      float64
	busy      bool
	pace      bool
	batchSize int
	moto      string
	// log receives the handler's warnings; nil discards them.
	log io.Writer
}

func (c *config) defaults() {
	if c.requests == 0 {
		c.requests = 150
		if c.short {
			c.requests = 30
		}
	}
	if c.rate == 0 {
		c.rate = 14
		if c.short {
			c.rate = 50
		}
	}
}

// result is what a run found.
type result struct {
	config
	settings settings
	// sent are the emails SES accepted, and throttled the sends it refused.
	sent, throttled int
	// duplicates are the sends of an email beyond its first, missing the
	// emails of a request never sent, and stray the sends that named no
	// request or named one not in the burst.
	duplicates, missing, stray int
	// unsettled are emails whose record in the table does not say sent.
	unsettled  int
	quotaCalls int
	shard      dynamostreams.Stats
	elapsed    time.Duration
	// warnings counts the handler's warnings and errors by message.
	warnings map[string]int
}

// problems lists what makes the run a failure.
func (r result) problems() []string {
	var out []string
	if r.missing > 0 {
		out = append(out, fmt.Sprintf("%d emails never sent", r.missing))
	}
	if r.duplicates > 0 {
		out = append(out, fmt.Sprintf("%d emails sent more than once", r.duplicates))
	}
	if n := len(r.shard.DeadLetters); n > 0 {
		out = append(out, fmt.Sprintf("%d records reached the dead-letter list", n))
	}
	if r.stray > 0 {
		out = append(out, fmt.Sprintf("%d sends named no request of the burst", r.stray))
	}
	if r.unsettled > 0 {
		out = append(out, fmt.Sprintf("%d emails not recorded as sent", r.unsettled))
	}
	return out
}

func (r result) print(w io.Writer) {
	pacing := "paced to GetSendQuota"
	if !r.pace {
		pacing = "not paced"
	}
	busy := "no"
	if r.busy {
		busy = "yes, by another process"
	}
	achieved := float64(r.sent) / r.elapsed.Seconds()
	fmt.Fprintf(w, "burst: %d requests; SES stub at MaxSendRate %g/s, sends %s; batches of %d, timeout %ds, %d retries (template.yaml); DynamoDB at moto_server; one core busy: %s\n",
		r.requests, r.rate, pacing, r.settings.batchSize, r.settings.timeout, r.settings.maxRetries, busy)
	fmt.Fprintf(w, "  emails sent         %d (want %d, two per request)\n", r.sent, 2*r.requests)
	fmt.Fprintf(w, "  duplicates          %d\n", r.duplicates)
	fmt.Fprintf(w, "  missing             %d\n", r.missing)
	fmt.Fprintf(w, "  dead letters        %d\n", len(r.shard.DeadLetters))
	fmt.Fprintf(w, "  throttled sends     %d\n", r.throttled)
	fmt.Fprintf(w, "  invocations         %d (%d retries, %d timeouts)\n", r.shard.Invocations, r.shard.Retries, r.shard.Timeouts)
	fmt.Fprintf(w, "  GetSendQuota calls  %d\n", r.quotaCalls)
	fmt.Fprintf(w, "  elapsed             %.2f s\n", r.elapsed.Seconds())
	fmt.Fprintf(w, "  achieved            %.2f sends/s, %.1f%% of %g/s\n", achieved, 100*achieved/r.rate, r.rate)
	for _, msg := range slices.Sorted(maps.Keys(r.warnings)) {
		fmt.Fprintf(w, "  logged %4d times   %s\n", r.warnings[msg], msg)
	}
}

const (
	tablePrefix = "burst-"
	senderAddr  = "appointments@example.com"
	frontDesk   = "frontdesk@example.com"
	confSet     = "appointments"
	region      = "us-east-1"
)

// run submits the burst, drains it and checks every request's emails.
func run(ctx context.Context, c config) (result, error) {
	c.defaults()
	res := result{config: c}
	template, filter, err := readTemplate()
	if err != nil {
		return res, err
	}
	if res.settings, err = readSettings(template); err != nil {
		return res, err
	}
	if c.batchSize > 0 {
		res.settings.batchSize = c.batchSize
	}
	endpoint := c.moto
	if endpoint == "" {
		m, err := mototest.Launch()
		if err != nil {
			return res, err
		}
		defer m.Stop()
		endpoint = m.Endpoint
	}
	stub, err := awsstub.Start()
	if err != nil {
		return res, err
	}
	defer stub.Close()
	if err := stub.ThrottleSends(c.rate); err != nil {
		return res, err
	}
	dbCfg := awsConfig(endpoint)
	table, streamARN, err := createTable(ctx, dbCfg, template)
	if err != nil {
		return res, err
	}
	warnings := &messageCounter{counts: map[string]int{}}
	h, store, err := handler(dbCfg, awsConfig(stub.URL), table, c, warnings)
	if err != nil {
		return res, err
	}
	ids, err := submit(ctx, store, c.requests)
	if err != nil {
		return res, err
	}
	recs, err := streamRecords(ctx, dynamostreams.NewReader(dynamodbstreams.NewFromConfig(dbCfg), streamARN), filter, c.requests)
	if err != nil {
		return res, err
	}
	if c.busy {
		stop, err := startBusy()
		if err != nil {
			return res, err
		}
		defer stop()
		// Let the busy process get going before the clock starts.
		time.Sleep(200 * time.Millisecond)
	}
	sh := dynamostreams.Shard{
		Handler:    h.Handle,
		BatchSize:  res.settings.batchSize,
		Timeout:    time.Duration(res.settings.timeout) * time.Second,
		MaxRetries: res.settings.maxRetries,
	}
	start := time.Now()
	res.shard = sh.Drain(ctx, recs)
	res.elapsed = time.Since(start)
	res.warnings = warnings.snapshot()
	err = res.tally(ctx, stub.SES(), store, ids)
	return res, err
}

// readTemplate reads template.yaml and the filter of NotifyFunction's
// stream event.
func readTemplate() ([]byte, *dynamostreams.Filter, error) {
	root, err := samtemplate.RepoRoot()
	if err != nil {
		return nil, nil, err
	}
	template, err := os.ReadFile(filepath.Join(root, "template.yaml"))
	if err != nil {
		return nil, nil, err
	}
	patterns, err := samtemplate.EventFilters(template, "NotifyFunction", "RequestsStream")
	if err != nil {
		return nil, nil, err
	}
	filter, err := dynamostreams.NewFilter(patterns...)
	return template, filter, err
}

// createTable creates a table as template.yaml defines RequestsTable, with
// a name of its own, so that runs against one moto_server share no
// requests and no counters, and returns its name and its stream's ARN.
func createTable(ctx context.Context, cfg aws.Config, template []byte) (string, string, error) {
	table := tablePrefix + strings.ToLower(rand.Text()[:10])
	def, err := samtemplate.RequestsTable(template, table)
	if err != nil {
		return "", "", err
	}
	created, err := dynamodb.NewFromConfig(cfg).CreateTable(ctx, def)
	if err != nil {
		return "", "", fmt.Errorf("create table: %w", err)
	}
	return table, aws.ToString(created.TableDescription.LatestStreamArn), nil
}

// tally counts the emails the SES stub accepted against the two each
// request of the burst calls for, and the delivery records left unsettled.
func (res *result) tally(ctx context.Context, counts awsstub.SESCounts, store *dynamo.Store, ids []string) error {
	res.sent, res.throttled, res.quotaCalls = counts.Accepted, counts.Throttled, counts.QuotaCalls
	res.stray = counts.Untagged
	inBurst := map[string]bool{}
	for _, id := range ids {
		for _, kind := range []email.Kind{email.Patient, email.FrontDesk} {
			key := id + "/" + string(kind)
			inBurst[key] = true
			switch n := counts.Sent[key]; {
			case n == 0:
				res.missing++
			case n > 1:
				res.duplicates += n - 1
			}
			d, err := store.Delivery(ctx, id, kind)
			if err != nil {
				return err
			}
			if d.State != appointment.DeliverySent {
				res.unsettled++
			}
		}
	}
	for key, n := range counts.Sent {
		if !inBurst[key] {
			res.stray += n
		}
	}
	return nil
}

// awsConfig points an SDK client at a local endpoint with dummy
// credentials, built directly so that nothing of the environment (a
// profile, a CA bundle, an endpoint) applies.
func awsConfig(endpoint string) aws.Config {
	return aws.Config{
		Region:       region,
		Credentials:  aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider("test", "test", "")),
		BaseEndpoint: aws.String(endpoint),
	}
}

// handler builds the notify handler as functions/notify does.
func handler(dbCfg, sesCfg aws.Config, table string, c config, warnings *messageCounter) (*notify.Handler, *dynamo.Store, error) {
	profile, err := clinic.Default()
	if err != nil {
		return nil, nil, err
	}
	signer, err := actionlink.New([]byte(rand.Text() + rand.Text()))
	if err != nil {
		return nil, nil, err
	}
	composer, err := email.NewComposer(profile, email.Settings{
		Sender:    senderAddr,
		FrontDesk: []string{frontDesk},
		Links: func(id string, a appointment.Action) string {
			return "https://api.example.com" + signer.Path(id, a, time.Now())
		},
	})
	if err != nil {
		return nil, nil, err
	}
	logTo := c.log
	if logTo == nil {
		logTo = io.Discard
	}
	log := slog.New(countingHandler{Handler: slog.NewJSONHandler(logTo, &slog.HandlerOptions{Level: slog.LevelWarn}), counter: warnings})

	db := dynamodb.NewFromConfig(dbCfg, func(o *dynamodb.Options) {
		o.Retryer = retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 5
			o.MaxBackoff = 2 * time.Second
		})
	})
	mail := sesapi.NewFromConfig(sesCfg, func(o *sesapi.Options) {
		o.Retryer = aws.NopRetryer{}
	})
	var opts []ses.Option
	if c.pace {
		opts = append(opts, ses.Paced(ses.NewPacer(mail, log)))
	}
	store := dynamo.New(db, table, 365)
	h := notify.New(dynamo.ChangeOf, store, ses.New(mail, confSet, opts...), composer, log, metrics.New(io.Discard, "Burst"))
	// The cap is on, as in the function, but above the burst, which is
	// meant to send every confirmation.
	h.CapConfirmations(store, max(200, c.requests), time.Hour)
	h.CheckSuppressions(store, []byte(rand.Text()))
	return h, store, nil
}

// submit stores n requests, several at a time, and returns their IDs.
func submit(ctx context.Context, store *dynamo.Store, n int) ([]string, error) {
	ids := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	work := make(chan int)
	for range 8 {
		wg.Go(func() {
			for i := range work {
				yes := i%2 == 0
				r := appointment.Request{
					FirstName: "Burst", LastName: fmt.Sprintf("Patient%d", i), Email: fmt.Sprintf("patient%d@example.com", i),
					Phone: "+13035550142", Service: "dry-needling", Location: "main", PreferredDays: []string{"mon"},
					NewPatient: &yes, Reason: "Tight shoulder.", Status: appointment.StatusReceived,
				}
				r.Stamp(time.Now())
				ids[i] = r.ID
				_, errs[i] = store.Create(ctx, r, appointment.Dedupe{Fingerprint: r.Fingerprint()})
			}
		})
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("submit: %w", err)
	}
	return ids, nil
}

// streamRecords reads the stream until it holds the records of n requests
// that the template's filter passes, in stream order.
func streamRecords(ctx context.Context, reader *dynamostreams.Reader, filter *dynamostreams.Filter, n int) ([]events.DynamoDBEventRecord, error) {
	var out []events.DynamoDBEventRecord
	deadline := time.Now().Add(30 * time.Second)
	for len(out) < n {
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("the stream holds %d of the %d requests' records", len(out), n)
		}
		recs, err := reader.Read(ctx)
		if err != nil {
			return nil, err
		}
		passed, err := filter.Select(recs)
		if err != nil {
			return nil, err
		}
		out = append(out, passed...)
		if len(recs) == 0 {
			time.Sleep(20 * time.Millisecond)
		}
	}
	return out, nil
}

// messageCounter counts log entries by message.
type messageCounter struct {
	mu     sync.Mutex
	counts map[string]int
}

func (m *messageCounter) add(msg string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.counts[msg]++
}

func (m *messageCounter) snapshot() map[string]int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.counts)
}

// countingHandler counts the entries it handles, warnings and errors only,
// by message, and passes them on.
type countingHandler struct {
	slog.Handler
	counter *messageCounter
}

func (h countingHandler) Handle(ctx context.Context, r slog.Record) error {
	h.counter.add(r.Message)
	return h.Handler.Handle(ctx, r)
}

func (h countingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return countingHandler{Handler: h.Handler.WithAttrs(attrs), counter: h.counter}
}

func (h countingHandler) WithGroup(name string) slog.Handler {
	return countingHandler{Handler: h.Handler.WithGroup(name), counter: h.counter}
}
