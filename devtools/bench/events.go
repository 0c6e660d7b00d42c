package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"example.com/appointments/internal/actionlink"
	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/dynamo"
	"example.com/appointments/internal/testing/awsstub"
)

// program is one bootstrap the harness measures: the floor or a function.
type program struct {
	// name is the column's name; pkg the Go package of its bootstrap,
	// whose directory is named the same.
	name, pkg string
	// logicalID is the function's resource in template.yaml; empty for
	// the floor.
	logicalID string
	// timeout is the function's Timeout in template.yaml.
	timeout time.Duration
	// event returns the warm run's i-th event.
	event func(i int) ([]byte, error)
	// check says what is wrong with an answer, if anything.
	check func(answer []byte) error
	// perInvocation are calls the stub must count for every invocation,
	// by operation: the work each event calls for was done.
	perInvocation map[string]int
	// booked makes the function find booked requests stored, whose
	// reminders are due, rather than the open ones the others find.
	booked bool
}

// fixtures are what the events are made from.
type fixtures struct {
	root string
	// stored are requests put in the stub's table, open and received,
	// for the front desk's pages and the digest.
	stored []appointment.Request
	// booked are requests booked two days ago for an appointment later
	// today, whose reminders are due, for the reminders' sweep.
	booked []appointment.Request
	// links signs action links with the key the stub serves.
	links *actionlink.Signer
}

// samples are the sample events in infra/events that the warm runs' events
// are made from.
type samples struct {
	submit, manage events.APIGatewayV2HTTPRequest
	digest, remind []byte
	feedback       [][]byte
}

func readSamples(root string) (*samples, error) {
	var s samples
	var err error
	if s.submit, err = readEvent[events.APIGatewayV2HTTPRequest](root, "submit-json.json"); err != nil {
		return nil, err
	}
	if s.manage, err = readEvent[events.APIGatewayV2HTTPRequest](root, "manage-get.json"); err != nil {
		return nil, err
	}
	if s.digest, err = os.ReadFile(filepath.Join(root, "infra", "events", "digest-schedule.json")); err != nil {
		return nil, err
	}
	if s.remind, err = os.ReadFile(filepath.Join(root, "infra", "events", "remind-schedule.json")); err != nil {
		return nil, err
	}
	for _, name := range []string{"feedback-delivery.json", "feedback-bounce.json", "feedback-complaint.json"} {
		b, err := os.ReadFile(filepath.Join(root, "infra", "events", name))
		if err != nil {
			return nil, err
		}
		s.feedback = append(s.feedback, b)
	}
	return &s, nil
}

// programs returns the floor and the functions, in the table's order.
func programs(f *fixtures) ([]program, error) {
	s, err := readSamples(f.root)
	if err != nil {
		return nil, err
	}
	return []program{
		{
			name: "floor", pkg: "./devtools/bench/floor", timeout: 10 * time.Second,
			event: func(int) ([]byte, error) { return []byte(`{}`), nil },
			check: answerIs(`"ok"`),
		},
		{
			name: "submit", pkg: "./functions/submit", logicalID: "SubmitFunction", timeout: 10 * time.Second,
			event: func(i int) ([]byte, error) { return submitEvent(s.submit, i) },
			check: httpStatus(http.StatusCreated),
			// The one transaction of a new request within its limits.
			perInvocation: map[string]int{"DynamoDB.TransactWriteItems": 1},
		},
		{
			name: "notify", pkg: "./functions/notify", logicalID: "NotifyFunction", timeout: 30 * time.Second,
			event: func(i int) ([]byte, error) { return notifyEvent(i) },
			check: noBatchItemFailures,
			// The patient's confirmation and the front desk's notification.
			perInvocation: map[string]int{"SES.SendRawEmail": 2},
		},
		{
			name: "manage", pkg: "./functions/manage", logicalID: "ManageFunction", timeout: 10 * time.Second,
			event: func(i int) ([]byte, error) { return manageEvent(s.manage, f, i) },
			check: httpStatus(http.StatusOK),
			// The request the link is for.
			perInvocation: map[string]int{"DynamoDB.GetItem": 1},
		},
		{
			name: "digest", pkg: "./functions/digest", logicalID: "DigestFunction", timeout: 30 * time.Second,
			event: func(int) ([]byte, error) { return s.digest, nil },
			check: answerIs("null"),
			// The stub counts every day's claim as the first, so each
			// invocation sends the digest of the stored requests.
			perInvocation: map[string]int{"SES.SendRawEmail": 1},
		},
		{
			name: "remind", pkg: "./functions/remind", logicalID: "RemindFunction", timeout: 60 * time.Second,
			event:  func(int) ([]byte, error) { return s.remind, nil },
			check:  answerIs("null"),
			booked: true,
			// The stub grants every claim, so each sweep sends the
			// reminder of every booked request.
			perInvocation: map[string]int{"SES.SendRawEmail": bookedFixtures},
		},
		{
			name: "feedback", pkg: "./functions/feedback", logicalID: "FeedbackFunction", timeout: 10 * time.Second,
			event: func(i int) ([]byte, error) { return s.feedback[i%len(s.feedback)], nil },
			check: answerIs("null"),
			// Each event is recorded on the email it is about.
			perInvocation: map[string]int{"DynamoDB.UpdateItem": 1},
		},
	}, nil
}

// answerIs checks that a function answered exactly want.
func answerIs(want string) func([]byte) error {
	return func(answer []byte) error {
		if string(answer) != want {
			return fmt.Errorf("answer %s, want %s", answer, want)
		}
		return nil
	}
}

// noBatchItemFailures checks that a stream function settled its batch.
func noBatchItemFailures(answer []byte) error {
	var resp events.DynamoDBEventResponse
	if err := json.Unmarshal(answer, &resp); err != nil {
		return fmt.Errorf("answer %s: %v", answer, err)
	}
	if len(resp.BatchItemFailures) > 0 {
		return fmt.Errorf("batch item failures: %s", answer)
	}
	return nil
}

func readEvent[T any](root, name string) (T, error) {
	var v T
	b, err := os.ReadFile(filepath.Join(root, "infra", "events", name))
	if err != nil {
		return v, err
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return v, fmt.Errorf("%s: %w", name, err)
	}
	return v, nil
}

// httpStatus checks an API Gateway answer's status.
func httpStatus(want int) func([]byte) error {
	return func(answer []byte) error {
		var resp events.APIGatewayV2HTTPResponse
		if err := json.Unmarshal(answer, &resp); err != nil {
			return fmt.Errorf("answer %.200s: %v", answer, err)
		}
		if resp.StatusCode != want {
			return fmt.Errorf("status %d, want %d: %.300s", resp.StatusCode, want, resp.Body)
		}
		return nil
	}
}

var (
	firstNames = []string{"Jordan", "Avery", "Morgan", "Riley", "Casey", "Quinn", "Harper", "Rowan", "Emerson", "Parker", "Sage", "Reese", "Dakota"}
	lastNames  = []string{"Rivera", "Nguyen", "Okafor", "Lindqvist", "Moreau", "Tanaka", "Kowalski", "Haddad", "Schmidt", "Brennan", "Alvarez"}
)

// submitEvent is the form's JSON post of a new request from a patient and
// a client of its own: each has another address, name, source IP,
// Idempotency-Key and API request ID, so that no submission repeats
// another or shares its limits with more than a few others.
func submitEvent(base events.APIGatewayV2HTTPRequest, i int) ([]byte, error) {
	var body map[string]any
	if err := json.Unmarshal([]byte(base.Body), &body); err != nil {
		return nil, err
	}
	first, last := firstNames[i%len(firstNames)], lastNames[(i/len(firstNames))%len(lastNames)]
	body["firstName"], body["lastName"] = first, last
	body["email"] = fmt.Sprintf("%s.%s.%d@example.com", strings.ToLower(first), strings.ToLower(last), i)
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	e := base
	e.Body = string(b)
	e.Headers = map[string]string{}
	for k, v := range base.Headers {
		e.Headers[k] = v
	}
	ip := clientIP(i)
	e.Headers["content-length"] = strconv.Itoa(len(b))
	e.Headers["idempotency-key"] = newRequestID()
	e.Headers["x-forwarded-for"] = ip
	e.RequestContext.HTTP.SourceIP = ip
	e.RequestContext.RequestID = newRequestID()[:16]
	now := time.Now()
	e.RequestContext.TimeEpoch = now.UnixMilli()
	e.RequestContext.Time = now.UTC().Format("02/Jan/2006:15:04:05 -0700")
	return json.Marshal(e)
}

// clientIP is one of 762 addresses of the documentation ranges.
func clientIP(i int) string {
	nets := []string{"192.0.2.", "198.51.100.", "203.0.113."}
	n := i % (254 * len(nets))
	return nets[n/254] + strconv.Itoa(n%254+1)
}

// newRequest is a request as the submit function stores it, the i-th of
// its kind.
func newRequest(i int, at time.Time) appointment.Request {
	yes := true
	first, last := firstNames[i%len(firstNames)], lastNames[(i/len(firstNames))%len(lastNames)]
	return appointment.Request{
		ID:             appointment.NewID(),
		Reference:      appointment.NewReference(),
		FirstName:      first,
		LastName:       last,
		Email:          fmt.Sprintf("%s.%s.%d@example.com", strings.ToLower(first), strings.ToLower(last), i),
		Phone:          "+13035550142",
		Service:        "dry-needling",
		Location:       "main",
		PreferredDays:  []string{"mon", "wed"},
		PreferredTimes: []string{"morning"},
		NewPatient:     &yes,
		ContactMethod:  "phone",
		Reason:         "Tight shoulder after climbing season.\nWorse when reaching overhead.",
		Status:         appointment.StatusReceived,
		CreatedAt:      at.UTC().Truncate(time.Millisecond),
	}
}

// bookedFixtures is how many booked requests the reminders' sweep finds
// due: a busy five minutes.
const bookedFixtures = 2

// newBooked returns request i, booked at bookedAt for an appointment at
// start.
func newBooked(i int, bookedAt, start time.Time) appointment.Request {
	r := newRequest(i, bookedAt.Add(-24*time.Hour))
	b := &appointment.Booking{Start: start.UTC().Truncate(time.Minute), Length: 45 * time.Minute, Clinician: "Dr. Sam Ortiz"}
	r.Status, r.Booking = appointment.StatusScheduled, b
	r.History = []appointment.Transition{{
		Action: appointment.ActionSchedule, Audience: appointment.AudienceFrontDesk,
		From: appointment.StatusReceived, To: appointment.StatusScheduled, At: bookedAt.UTC().Truncate(time.Millisecond), Booking: b,
	}}
	return r
}

// notifyEvent is the table's stream record of a new request, as Lambda
// delivers it: a batch of one INSERT, the request's image in the item
// format the store writes.
func notifyEvent(i int) ([]byte, error) {
	now := time.Now()
	r := newRequest(i, now)
	rec := events.DynamoDBEventRecord{
		AWSRegion:      awsstub.Region,
		EventID:        strings.ReplaceAll(newRequestID(), "-", ""),
		EventName:      "INSERT",
		EventSource:    "aws:dynamodb",
		EventVersion:   "1.1",
		EventSourceArn: "arn:aws:dynamodb:" + awsstub.Region + ":123456789012:table/bench-RequestsTable/stream/2026-11-27T00:00:00.000",
		Change: events.DynamoDBStreamRecord{
			ApproximateCreationDateTime: events.SecondsEpochTime{Time: now.Truncate(time.Second)},
			Keys: map[string]events.DynamoDBAttributeValue{
				"pk": events.NewStringAttribute(dynamo.RequestPrefix + r.ID),
				"sk": events.NewStringAttribute("REQUEST"),
			},
			NewImage:       dynamo.RequestImage(r, now.AddDate(1, 0, 0)),
			SequenceNumber: fmt.Sprintf("44215845%020d", i+1),
			SizeBytes:      512,
			StreamViewType: "NEW_AND_OLD_IMAGES",
		},
	}
	return json.Marshal(events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{rec}})
}

// manageEvent is the front desk (or, for cancel, the patient) opening a
// link of the emails: a GET of one of the stored requests' action pages,
// each action in turn.
func manageEvent(base events.APIGatewayV2HTTPRequest, f *fixtures, i int) ([]byte, error) {
	r := f.stored[i%len(f.stored)]
	action := appointment.Actions[i%len(appointment.Actions)]
	path := f.links.Path(r.ID, action, time.Now())
	token := path[strings.LastIndexByte(path, '/')+1:]
	e := base
	e.RawPath = path
	e.RequestContext.HTTP.Path = path
	e.PathParameters = map[string]string{"action": string(action), "token": token}
	e.RequestContext.RequestID = newRequestID()[:16]
	now := time.Now()
	e.RequestContext.TimeEpoch = now.UnixMilli()
	e.RequestContext.Time = now.UTC().Format("02/Jan/2006:15:04:05 -0700")
	return json.Marshal(e)
}
