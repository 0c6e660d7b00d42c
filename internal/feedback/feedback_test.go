package feedback

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"example.com/appointments/internal/appointment"
)

type recorded struct {
	id        string
	kind      appointment.EmailKind
	messageID string
	report    appointment.Report
}

type fakeStore struct {
	records      []recorded
	suppressed   []string
	fail         error
	notRecording bool
	// sentAs, when set, is the message ID the email was recorded as sent
	// with: feedback about any other message is refused, as the table's
	// condition refuses it.
	sentAs string
	// suppressFailures is how many Suppress calls fail before one
	// succeeds.
	suppressFailures int
}

func (s *fakeStore) RecordFeedback(_ context.Context, id string, kind appointment.EmailKind, messageID string, r appointment.Report) (bool, error) {
	if s.fail != nil {
		return false, s.fail
	}
	if s.sentAs != "" && messageID != s.sentAs {
		return false, nil
	}
	s.records = append(s.records, recorded{id, kind, messageID, r})
	return !s.notRecording, nil
}

func (s *fakeStore) Suppress(_ context.Context, key, reason string, _ time.Time) error {
	if s.fail != nil {
		return s.fail
	}
	if s.suppressFailures > 0 {
		s.suppressFailures--
		return errors.New("throttled")
	}
	s.suppressed = append(s.suppressed, key+"/"+reason)
	return nil
}

type countMetrics map[string]int

func (m countMetrics) Count(name string, dims map[string]string) { m[name+"/"+dims["Kind"]]++ }

const sampleID = "r6zxzmmvycimokgxeyepwm2yge"

func sample(t *testing.T, name string) events.EventBridgeEvent {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "infra", "events", name))
	if err != nil {
		t.Fatal(err)
	}
	var e events.EventBridgeEvent
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

func withMessage(t *testing.T, e events.EventBridgeEvent, edit func(map[string]any)) events.EventBridgeEvent {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(e.Detail, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	b, _ := json.Marshal(m)
	e.Detail = b
	return e
}

func newHandler(s Store) (*Handler, *bytes.Buffer, countMetrics) {
	var log bytes.Buffer
	m := countMetrics{}
	return New(s, []byte("key"), slog.New(slog.NewJSONHandler(&log, nil)), m), &log, m
}

// TestSamples: each sample event is recorded on the email its tags name,
// under its message ID, with what it reports.
func TestSamples(t *testing.T) {
	for _, tt := range []struct {
		sample     string
		want       appointment.Report
		suppresses bool
		metric     string
	}{
		{"feedback-delivery.json", appointment.Report{Feedback: appointment.FeedbackDelivered, At: time.Date(2026, 11, 24, 16, 2, 12, 734e6, time.UTC)}, false, "EmailsDelivered/patient"},
		{"feedback-bounce.json", appointment.Report{Feedback: appointment.FeedbackBounced, BounceType: appointment.BouncePermanent, At: time.Date(2026, 11, 24, 16, 2, 13, 402e6, time.UTC)}, false, "EmailsBounced/patient"},
		{"feedback-complaint.json", appointment.Report{Feedback: appointment.FeedbackComplained, At: time.Date(2026, 11, 24, 18, 40, 52, 0, time.UTC)}, true, "EmailsComplained/patient"},
	} {
		t.Run(tt.sample, func(t *testing.T) {
			s := &fakeStore{}
			h, log, m := newHandler(s)
			if err := h.Handle(context.Background(), sample(t, tt.sample)); err != nil {
				t.Fatal(err)
			}
			if len(s.records) != 1 {
				t.Fatalf("records %+v", s.records)
			}
			got := s.records[0]
			if got.id != sampleID || got.kind != appointment.EmailPatient || !strings.HasPrefix(got.messageID, "010f019a1b2c3d4e-") || !got.report.At.Equal(tt.want.At) || got.report.Feedback != tt.want.Feedback || got.report.BounceType != tt.want.BounceType {
				t.Errorf("recorded %+v, want %+v", got, tt.want)
			}
			wantSuppressed := []string(nil)
			if tt.suppresses {
				wantSuppressed = []string{appointment.SuppressionKey([]byte("key"), "Patient@Example.org") + "/complaint"}
			}
			if strings.Join(s.suppressed, ",") != strings.Join(wantSuppressed, ",") {
				t.Errorf("suppressed %v, want %v", s.suppressed, wantSuppressed)
			}
			if m[tt.metric] != 1 {
				t.Errorf("metrics %v, want %s", m, tt.metric)
			}
			if strings.Contains(log.String(), "patient@example.org") || strings.Contains(log.String(), "user unknown") {
				t.Errorf("the log holds the address or SES's diagnostic: %s", log.String())
			}
		})
	}
}

// TestComplaintAboutStaffEmail: a complaint about an email to the front
// desk is recorded but suppresses no one: suppression is for patients.
func TestComplaintAboutStaffEmail(t *testing.T) {
	s := &fakeStore{}
	h, _, _ := newHandler(s)
	e := withMessage(t, sample(t, "feedback-complaint.json"), func(m map[string]any) {
		m["mail"].(map[string]any)["tags"].(map[string]any)["email"] = []string{"frontDesk"}
	})
	if err := h.Handle(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	if len(s.records) != 1 || s.records[0].kind != appointment.EmailFrontDesk || len(s.suppressed) != 0 {
		t.Errorf("records %+v, suppressed %v", s.records, s.suppressed)
	}
}

// TestComplaintAboutAnotherMessage: a complaint whose message ID is not
// the one the email was recorded as sent with suppresses no one. The event
// names its recipients itself, so without the check anyone who can put an
// event in front of the function could stop the clinic's emails to any
// address.
func TestComplaintAboutAnotherMessage(t *testing.T) {
	s := &fakeStore{sentAs: "010f019a1b2c3d4e-the-message-really-sent"}
	h, _, m := newHandler(s)
	if err := h.Handle(context.Background(), sample(t, "feedback-complaint.json")); err != nil {
		t.Fatal(err)
	}
	if len(s.records) != 0 || len(s.suppressed) != 0 || len(m) != 0 {
		t.Errorf("records %+v, suppressed %v, counted %v; want nothing", s.records, s.suppressed, m)
	}
}

// TestComplaintSuppressionRetried: when the complaint is recorded but the
// address cannot be suppressed, Handle fails, and the event's next
// delivery, which records the same complaint again, suppresses it.
func TestComplaintSuppressionRetried(t *testing.T) {
	s := &fakeStore{suppressFailures: 1}
	h, _, _ := newHandler(s)
	e := sample(t, "feedback-complaint.json")
	if err := h.Handle(context.Background(), e); err == nil {
		t.Fatal("a failed suppression was not returned for a retry")
	}
	if len(s.suppressed) != 0 {
		t.Fatalf("suppressed %v after a failure", s.suppressed)
	}
	if err := h.Handle(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	want := appointment.SuppressionKey([]byte("key"), "Patient@Example.org") + "/complaint"
	if len(s.suppressed) != 1 || s.suppressed[0] != want {
		t.Errorf("suppressed %v, want [%s]", s.suppressed, want)
	}
}

// TestDropped: what cannot be read, or names no request's email, is
// logged and dropped, not retried.
func TestDropped(t *testing.T) {
	for name, edit := range map[string]func(map[string]any){
		"no tags": func(m map[string]any) { delete(m["mail"].(map[string]any), "tags") },
		"bad request ID": func(m map[string]any) {
			m["mail"].(map[string]any)["tags"].(map[string]any)["request"] = []string{"REQ#x"}
		},
		"bad kind": func(m map[string]any) {
			m["mail"].(map[string]any)["tags"].(map[string]any)["email"] = []string{"patient/1"}
		},
		"two requests": func(m map[string]any) {
			m["mail"].(map[string]any)["tags"].(map[string]any)["request"] = []string{sampleID, sampleID}
		},
		"no message ID":  func(m map[string]any) { delete(m["mail"].(map[string]any), "messageId") },
		"other event":    func(m map[string]any) { m["eventType"] = "Open" },
		"no bounce body": func(m map[string]any) { delete(m, "bounce") },
	} {
		t.Run(name, func(t *testing.T) {
			s := &fakeStore{}
			h, _, _ := newHandler(s)
			if err := h.Handle(context.Background(), withMessage(t, sample(t, "feedback-bounce.json"), edit)); err != nil {
				t.Fatal(err)
			}
			if len(s.records) != 0 {
				t.Errorf("recorded %+v", s.records)
			}
		})
	}
	s := &fakeStore{}
	h, log, _ := newHandler(s)
	e := sample(t, "feedback-bounce.json")
	e.Detail = []byte(`"not an event"`)
	if err := h.Handle(context.Background(), e); err != nil || len(s.records) != 0 || !strings.Contains(log.String(), "unreadable") {
		t.Errorf("unreadable message: %v, %+v, log %s", err, s.records, log.String())
	}
	other := sample(t, "feedback-bounce.json")
	other.Source = "aws.s3"
	if err := h.Handle(context.Background(), other); err != nil || len(s.records) != 0 {
		t.Errorf("an event from another source: %v, %+v", err, s.records)
	}
}

// TestIdentityNotification: SES's identity notifications, which name the
// type notificationType, read as the configuration set's events do.
func TestIdentityNotification(t *testing.T) {
	s := &fakeStore{}
	h, _, _ := newHandler(s)
	e := withMessage(t, sample(t, "feedback-bounce.json"), func(m map[string]any) {
		m["notificationType"] = m["eventType"]
		delete(m, "eventType")
	})
	if err := h.Handle(context.Background(), e); err != nil || len(s.records) != 1 {
		t.Errorf("%v, records %+v", err, s.records)
	}
}

// TestStoreFailureRetried: when the store fails, Handle fails, so that
// Lambda delivers the event again; nothing is counted.
func TestStoreFailureRetried(t *testing.T) {
	for _, sampleName := range []string{"feedback-bounce.json", "feedback-complaint.json"} {
		s := &fakeStore{fail: errors.New("throttled")}
		h, _, m := newHandler(s)
		if err := h.Handle(context.Background(), sample(t, sampleName)); err == nil {
			t.Errorf("%s: store failure not returned", sampleName)
		}
		if len(m) != 0 {
			t.Errorf("%s: counted %v", sampleName, m)
		}
	}
}

// TestNotRecordedNotCounted: an event the store does not record (another
// message, a later report recorded) is not counted.
func TestNotRecordedNotCounted(t *testing.T) {
	s := &fakeStore{notRecording: true}
	h, _, m := newHandler(s)
	if err := h.Handle(context.Background(), sample(t, "feedback-bounce.json")); err != nil {
		t.Fatal(err)
	}
	if len(m) != 0 {
		t.Errorf("counted %v", m)
	}
}
