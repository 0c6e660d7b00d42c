package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestQuickRun runs the benchmark at a tiny size, so that it keeps working
// as the server changes. It checks that every row was measured, never how
// fast: timings belong to `make bench-local`, not to tests.
func TestQuickRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the local server and drives a whole benchmark run against it; runs without -short (make test)")
	}
	var out bytes.Buffer
	if err := run("../../cmd/local", 2, 20, 60, &out); err != nil {
		t.Fatal(err)
	}
	table := out.String()
	for _, row := range []string{"refusals (403)", "accepted, empty database", "accepted, 60 stored", "accepted latency p50 / p99", "server CPU", "emails of the empty-database phase", "restart with 80 stored"} {
		if !strings.Contains(table, "| "+row) {
			t.Errorf("the table lacks the row %q:\n%s", row, table)
		}
	}
}
