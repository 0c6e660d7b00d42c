package metrics

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

func TestCount(t *testing.T) {
	var buf bytes.Buffer
	r := New(&buf, "Clinic")
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
		Reason  string
		Refused int
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("line %q is not JSON: %v", buf.String(), err)
	}
	if got.AWS.Timestamp != 1700000000123 {
		t.Errorf("Timestamp = %d", got.AWS.Timestamp)
	}
	if len(got.AWS.CloudWatchMetrics) != 1 {
		t.Fatalf("CloudWatchMetrics = %+v", got.AWS.CloudWatchMetrics)
	}
	m := got.AWS.CloudWatchMetrics[0]
	if m.Namespace != "Clinic" || len(m.Dimensions) != 1 || len(m.Dimensions[0]) != 1 || m.Dimensions[0][0] != "Reason" {
		t.Errorf("directive = %+v", m)
	}
	if len(m.Metrics) != 1 || m.Metrics[0].Name != "Refused" || m.Metrics[0].Unit != "Count" {
		t.Errorf("metrics = %+v", m.Metrics)
	}
	if got.Reason != "validation_failed" || got.Refused != 1 {
		t.Errorf("values: Reason=%q Refused=%d", got.Reason, got.Refused)
	}
}

func TestCountWithoutDimensions(t *testing.T) {
	var buf bytes.Buffer
	New(&buf, "Clinic").Count("Accepted", nil)
	if !bytes.Contains(buf.Bytes(), []byte(`"Dimensions":[[]]`)) || !bytes.Contains(buf.Bytes(), []byte(`"Accepted":1`)) {
		t.Errorf("line = %s", buf.String())
	}
}
