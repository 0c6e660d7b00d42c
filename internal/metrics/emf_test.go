package metrics

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"example.com/appointments/internal/config"
)

func TestCount(t *testing.T) {
	var buf bytes.Buffer
	r := New(&buf, "Clinic", WithStack("clinic-prod"))
	r.now = func() time.Time { return time.UnixMilli(1700000000123) }
	r.Count("Refused", map[string]string{"Reason": "validation_failed"})

	var got struct {
		AWS struct {
			Timestamp         int64
			CloudWatchMetrics []struct {
				Namespace  string
				Dimensions [][]string
				Metrics    []struct{ Name, Unit string }
			}
		} `json:"_aws"`
		Reason    string
		Stack     string
		Refused   int
		Level     string `json:"level"`
		Timestamp string `json:"timestamp"`
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("line %q is not JSON: %v", buf.String(), err)
	}
	if got.AWS.Timestamp != 1700000000123 {
		t.Errorf("Timestamp = %d", got.AWS.Timestamp)
	}
	if got, want := got.Timestamp, "2023-11-14T22:13:20.123Z"; got != want {
		t.Errorf("timestamp = %q, want %q, the same time as RFC 3339", got, want)
	}
	if len(got.AWS.CloudWatchMetrics) != 1 {
		t.Fatalf("CloudWatchMetrics = %+v", got.AWS.CloudWatchMetrics)
	}
	m := got.AWS.CloudWatchMetrics[0]
	if m.Namespace != "Clinic" || len(m.Dimensions) != 1 || !slices.Equal(m.Dimensions[0], []string{"Stack", "Reason"}) {
		t.Errorf("directive = %+v, want one dimension set, Stack and Reason", m)
	}
	if len(m.Metrics) != 1 || m.Metrics[0].Name != "Refused" || m.Metrics[0].Unit != "Count" {
		t.Errorf("metrics = %+v", m.Metrics)
	}
	if got.Reason != "validation_failed" || got.Stack != "clinic-prod" || got.Refused != 1 {
		t.Errorf("values: Reason=%q Stack=%q Refused=%d", got.Reason, got.Stack, got.Refused)
	}
	if got.Level != "INFO" {
		t.Errorf("level = %q, want INFO", got.Level)
	}
}

func TestCountWithoutDimensions(t *testing.T) {
	var buf bytes.Buffer
	New(&buf, "Clinic", WithStack("clinic-prod")).Count("Accepted", nil)
	for _, want := range []string{`"Dimensions":[["Stack"]]`, `"Stack":"clinic-prod"`, `"Accepted":1`} {
		if !bytes.Contains(buf.Bytes(), []byte(want)) {
			t.Errorf("line %s lacks %s", buf.String(), want)
		}
	}
}

// TestStack: without a stack name the dimension still has a value, which
// CloudWatch requires; a dimension the caller names Stack does not replace
// the recorder's.
func TestStack(t *testing.T) {
	tests := []struct {
		name string
		opts []Option
		dims map[string]string
		want string
	}{
		{"named", []Option{WithStack("clinic-prod")}, nil, "clinic-prod"},
		{"unnamed", nil, nil, LocalStack},
		{"empty name", []Option{WithStack("")}, nil, LocalStack},
		{"caller's Stack ignored", []Option{WithStack("clinic-prod")}, map[string]string{"Stack": "other", "Kind": "patient"}, "clinic-prod"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			New(&buf, "Clinic", tt.opts...).Count("EmailsSent", tt.dims)
			l := decode(t, buf.Bytes())
			if got := l["Stack"]; got != tt.want {
				t.Errorf("Stack = %v, want %q", got, tt.want)
			}
			dims := dimensionSets(t, l)
			if len(dims) != 1 || len(dims[0]) == 0 || dims[0][0] != "Stack" || slices.Index(dims[0][1:], "Stack") >= 0 {
				t.Errorf("dimension sets %v, want one that starts with Stack and names it once", dims)
			}
		})
	}
}

// logLevels are the application log levels Lambda accepts, lowest first.
var logLevels = []string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"}

// lambdaKeeps reports whether Lambda's application log filter, set to
// configured, keeps the log entry line, by the rule Lambda documents for
// JSON logs ("Log-level filtering" in the Lambda developer guide): an
// entry is kept if its level is at or above the configured one, and an
// entry whose "level" is missing or not a level, or whose "timestamp" is
// missing or not an RFC 3339 time, counts as INFO. A line that is not a
// JSON object counts as INFO too.
func lambdaKeeps(line []byte, configured string) bool {
	rank := func(level string) int { return slices.Index(logLevels, strings.ToUpper(level)) }
	entry := rank("INFO")
	var fields map[string]any
	if json.Unmarshal(line, &fields) == nil {
		level, _ := fields["level"].(string)
		ts, _ := fields["timestamp"].(string)
		_, err := time.Parse(time.RFC3339Nano, ts)
		if r := rank(level); r >= 0 && err == nil {
			entry = r
		}
	}
	return entry >= rank(configured)
}

// TestLambdaKeeps checks the filter the next test relies on.
func TestLambdaKeeps(t *testing.T) {
	const ts = `"timestamp":"2024-11-02T16:51:31.587Z"`
	tests := []struct {
		line       string
		configured string
		want       bool
	}{
		{`{"level":"DEBUG",` + ts + `}`, "DEBUG", true},
		{`{"level":"debug",` + ts + `}`, "INFO", false},
		{`{"level":"ERROR",` + ts + `}`, "WARN", true},
		{`{"level":"WARN",` + ts + `}`, "ERROR", false},
		{`{` + ts + `}`, "INFO", true},
		{`{` + ts + `}`, "WARN", false},
		{`{"level":"LOUD",` + ts + `}`, "WARN", false},
		{`{"level":"ERROR"}`, "WARN", false},
		{`{"level":"ERROR","timestamp":"yesterday"}`, "WARN", false},
		{`not JSON`, "INFO", true},
		{`not JSON`, "ERROR", false},
	}
	for _, tt := range tests {
		if got := lambdaKeeps([]byte(tt.line), tt.configured); got != tt.want {
			t.Errorf("lambdaKeeps(%s, %s) = %v, want %v", tt.line, tt.configured, got, tt.want)
		}
	}
}

// TestLinesKeptAtEveryLogLevel: at every application log level Lambda
// accepts, and with none set, every metric line survives Lambda's filter,
// so that no alarm goes silent when LogLevel is raised. It fails if the
// lines lose their level or their timestamp.
func TestLinesKeptAtEveryLogLevel(t *testing.T) {
	for _, configured := range append(slices.Clone(logLevels), "") {
		t.Run("level "+configured, func(t *testing.T) {
			var buf bytes.Buffer
			r := New(&buf, "Clinic", WithStack("clinic-prod"), WithLogLevel(configured))
			r.Count("EmailsFailed", map[string]string{"Kind": "patient"})
			r.Count("Accepted", nil)
			lines := 0
			for s := bufio.NewScanner(&buf); s.Scan(); lines++ {
				if filter := configured; filter != "" && !lambdaKeeps(s.Bytes(), filter) {
					t.Errorf("Lambda's filter at %s drops %s", filter, s.Bytes())
				}
				// Unset, Lambda does not filter; the line must still name
				// its level, which the queries in docs/operations.md read.
				if l := decode(t, s.Bytes()); l["level"] == nil || l["timestamp"] == nil {
					t.Errorf("line %s has no level or timestamp", s.Bytes())
				}
			}
			if lines != 2 {
				t.Errorf("%d lines, want 2", lines)
			}
		})
	}
}

// TestLineLevel: routine INFO where INFO is kept, otherwise the lowest
// level that is, never more: a metric line must not pass for an error
// where the function logs at WARN.
func TestLineLevel(t *testing.T) {
	for configured, want := range map[string]string{
		"": "INFO", "TRACE": "INFO", "DEBUG": "INFO", "INFO": "INFO",
		"WARN": "WARN", "ERROR": "ERROR", "FATAL": "FATAL", "warn": "WARN", "bogus": "INFO",
	} {
		var buf bytes.Buffer
		New(&buf, "Clinic", WithLogLevel(configured)).Count("Accepted", nil)
		if got := decode(t, buf.Bytes())["level"]; got != want {
			t.Errorf("at %q the line's level is %v, want %s", configured, got, want)
		}
	}
}

func TestNilRecorder(t *testing.T) {
	var r *Recorder
	r.Count("Accepted", nil) // must not panic
}

func decode(t *testing.T, line []byte) map[string]any {
	t.Helper()
	var l map[string]any
	if err := json.Unmarshal(line, &l); err != nil {
		t.Fatalf("line %q is not JSON: %v", line, err)
	}
	return l
}

func dimensionSets(t *testing.T, l map[string]any) [][]string {
	t.Helper()
	b, _ := json.Marshal(l["_aws"])
	var aws struct {
		CloudWatchMetrics []struct{ Dimensions [][]string }
	}
	if err := json.Unmarshal(b, &aws); err != nil || len(aws.CloudWatchMetrics) != 1 {
		t.Fatalf("_aws = %s (%v)", b, err)
	}
	return aws.CloudWatchMetrics[0].Dimensions
}

// A recorder for a function whose stack is clinic-prod and whose log Lambda
// filters at WARN; the line is one data point of EmailsFailed, per Stack
// and Kind.
func ExampleRecorder_Count() {
	r := New(os.Stdout, "ClinicAppointments", WithStack("clinic-prod"), WithLogLevel("WARN"))
	r.now = func() time.Time { return time.Date(2025, 3, 4, 15, 4, 5, 0, time.UTC) }
	r.Count("EmailsFailed", map[string]string{"Kind": "patient"})
	// Output:
	// {"EmailsFailed":1,"Kind":"patient","Stack":"clinic-prod","_aws":{"CloudWatchMetrics":[{"Dimensions":[["Stack","Kind"]],"Metrics":[{"Name":"EmailsFailed","Unit":"Count"}],"Namespace":"ClinicAppointments"}],"Timestamp":1741100645000},"level":"WARN","timestamp":"2025-03-04T15:04:05.000Z"}
}

// TestFromConfig: a function's recorder writes under the configured
// namespace, names the configured stack and carries the level its log is
// filtered at.
func TestFromConfig(t *testing.T) {
	var buf bytes.Buffer
	FromConfig(&buf, config.Metrics{Namespace: "Clinic", Stack: "clinic-prod", LogLevel: "warn"}).Count("Accepted", nil)
	var got struct {
		AWS struct {
			CloudWatchMetrics []struct{ Namespace string }
		} `json:"_aws"`
		Stack string
		Level string `json:"level"`
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("line %q is not JSON: %v", buf.String(), err)
	}
	if len(got.AWS.CloudWatchMetrics) != 1 || got.AWS.CloudWatchMetrics[0].Namespace != "Clinic" || got.Stack != "clinic-prod" || got.Level != "WARN" {
		t.Errorf("line %s, want namespace Clinic, stack clinic-prod and level WARN", buf.String())
	}
}
