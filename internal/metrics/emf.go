// Package metrics records CloudWatch metrics in the Embedded Metric Format:
// one JSON log line per data point, which CloudWatch Logs turns into metrics
// without any API call from the function.
//
// A metric line is also an entry of the function's log, and Lambda's
// application log filter (the template's LoggingConfig) judges it like any
// other: an entry whose "level" is missing, or whose "timestamp" is not an
// RFC 3339 time, counts as INFO and is dropped when the function logs at
// WARN or above, taking its data point, and the alarms on it, with it. Each
// line therefore carries a level the filter keeps and a timestamp.
//
// Every data point carries the dimension Stack, the name of the stack whose
// function wrote it, so that an alarm can watch one stack's metrics while
// several stacks share the namespace.
package metrics

import (
	"encoding/json"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"example.com/appointments/internal/config"
)

// StackDimension is the dimension that names the stack a data point comes
// from. Every data point has it.
const StackDimension = "Stack"

// LocalStack is the Stack of data points written without a stack name, as
// outside Lambda. CloudWatch needs a value for every dimension; sam local
// calls its stack "local" too.
const LocalStack = "local"

// timestampLayout is RFC 3339 with milliseconds, the precision of the
// embedded metric format's own Timestamp.
const timestampLayout = "2006-01-02T15:04:05.000Z07:00"

// Recorder writes metric data points to a log stream.
type Recorder struct {
	namespace string
	stack     string
	level     string
	mu        sync.Mutex
	w         io.Writer
	now       func() time.Time
}

// Option adjusts a Recorder.
type Option func(*Recorder)

// WithStack sets the value of the Stack dimension: the name of the stack
// the function belongs to (the template's STACK_NAME). Empty leaves
// LocalStack.
func WithStack(name string) Option {
	return func(r *Recorder) {
		if name != "" {
			r.stack = name
		}
	}
}

// WithLogLevel tells the recorder the application log level Lambda filters
// the function's log at (AWS_LAMBDA_LOG_LEVEL: TRACE, DEBUG, INFO, WARN,
// ERROR or FATAL), so that its lines carry a level that level keeps.
//
// Lambda keeps an entry whose level is at or above the configured one. The
// lines say INFO, as they are routine, unless the configured level is above
// INFO; then they say the configured level itself, the lowest that is kept,
// and do not pass for errors where the function logs at WARN.
func WithLogLevel(level string) Option {
	return func(r *Recorder) {
		r.level = lineLevel(level)
	}
}

func lineLevel(configured string) string {
	switch l := strings.ToUpper(strings.TrimSpace(configured)); l {
	case "WARN", "ERROR", "FATAL":
		return l
	}
	return "INFO"
}

// New returns a recorder writing to w under the given namespace.
func New(w io.Writer, namespace string, opts ...Option) *Recorder {
	r := &Recorder{namespace: namespace, stack: LocalStack, level: "INFO", w: w, now: time.Now}
	for _, o := range opts {
		o(r)
	}
	return r
}

// FromConfig returns the recorder of a function configured with c,
// writing to w (standard output on Lambda, which goes to the function's
// log). Each data point names the stack, which the alarms select on, and
// carries a level that Lambda's log filter keeps at the function's level,
// or the filter would drop it and the alarms would go silent.
func FromConfig(w io.Writer, c config.Metrics) *Recorder {
	return New(w, c.Namespace, WithStack(c.Stack), WithLogLevel(c.LogLevel))
}

// Count records one occurrence of the named event. Each dimension becomes a
// CloudWatch dimension of the metric, so the count can be read per value;
// the recorder adds Stack to them, which a dimension of that name cannot
// replace.
func (r *Recorder) Count(name string, dimensions map[string]string) {
	if r == nil {
		return
	}
	keys := make([]string, 0, len(dimensions)+1)
	for k := range dimensions {
		if k != StackDimension {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	keys = append([]string{StackDimension}, keys...)

	now := r.now()
	line := map[string]any{
		"_aws": map[string]any{
			"Timestamp": now.UnixMilli(),
			"CloudWatchMetrics": []any{map[string]any{
				"Namespace":  r.namespace,
				"Dimensions": [][]string{keys},
				"Metrics":    []any{map[string]string{"Name": name, "Unit": "Count"}},
			}},
		},
	}
	for k, v := range dimensions {
		line[k] = v
	}
	line[StackDimension] = r.stack
	line[name] = 1
	// Written last, so that a dimension of the same name cannot change
	// how Lambda's filter judges the line.
	line["level"] = r.level
	line["timestamp"] = now.UTC().Format(timestampLayout)
	b, err := json.Marshal(line)
	if err != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	_, _ = r.w.Write(append(b, '\n'))
}
