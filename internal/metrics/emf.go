// Package metrics records CloudWatch metrics in the Embedded Metric Format:
// one JSON log line per data point, which CloudWatch Logs turns into metrics
// without any API call from the function.
package metrics

import (
	"encoding/json"
	"io"
	"slices"
	"sync"
	"time"
)

// Recorder writes metric data points to a log stream.
type Recorder struct {
	namespace string
	mu        sync.Mutex
	w         io.Writer
	now       func() time.Time
}

// New returns a recorder writing to w under the given namespace.
func New(w io.Writer, namespace string) *Recorder {
	return &Recorder{namespace: namespace, w: w, now: time.Now}
}

// Count records one occurrence of the named event. Each dimension becomes a
// CloudWatch dimension of the metric, so the count can be read per value.
func (r *Recorder) Count(name string, dimensions map[string]string) {
	if r == nil {
		return
	}
	keys := make([]string, 0, len(dimensions))
	for k := range dimensions {
		keys = append(keys, k)
	}
	slices.Sort(keys)

	line := map[string]any{
		"_aws": map[string]any{
			"Timestamp": r.now().UnixMilli(),
			"CloudWatchMetrics": []any{map[string]any{
				"Namespace":  r.namespace,
				"Dimensions": [][]string{keys},
				"Metrics":    []any{map[string]string{"Name": name, "Unit": "Count"}},
			}},
		},
		name: 1,
	}
	for k, v := range dimensions {
		line[k] = v
	}
	b, err := json.Marshal(line)
	if err != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	_, _ = r.w.Write(append(b, '\n'))
}
