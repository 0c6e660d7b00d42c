package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestMain(m *testing.M) {
	// The busy process is a copy of the running executable: under go test,
	// this test binary.
	if os.Getenv(spinEnv) != "" {
		spin()
	}
	os.Exit(m.Run())
}

// TestShortBurst runs the program as CI does (-short): every request gets
// each of its two emails exactly once, and nothing reaches the dead-letter
// list.
func TestShortBurst(t *testing.T) {
	if testing.Short() {
		t.Skip("needs moto_server; runs without -short (make test)")
	}
	res, err := run(context.Background(), config{short: true, pace: true})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	res.print(&out)
	t.Log("\n" + out.String())
	if p := res.problems(); len(p) > 0 {
		t.Errorf("problems: %v", p)
	}
	if res.requests != 30 || res.sent != 2*res.requests || res.duplicates != 0 || res.missing != 0 || len(res.shard.DeadLetters) != 0 {
		t.Errorf("%d requests: %d sent, %d duplicates, %d missing, %d dead letters; want each request's two emails once",
			res.requests, res.sent, res.duplicates, res.missing, len(res.shard.DeadLetters))
	}
	if res.quotaCalls != 1 {
		t.Errorf("GetSendQuota called %d times, want once for the whole burst", res.quotaCalls)
	}
}

// TestSettings reads NotifyFunction's settings from template.yaml.
func TestSettings(t *testing.T) {
	template, err := os.ReadFile(filepath.Join("..", "..", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := readSettings(template)
	if err != nil {
		t.Fatal(err)
	}
	if s.timeout <= 0 || s.batchSize <= 0 || s.maxRetries < 0 {
		t.Errorf("settings %+v", s)
	}
	// Without its own Timeout the function has the Globals' one.
	s, err = readSettings([]byte(`
Globals:
  Function:
    Timeout: 10
Resources:
  NotifyFunction:
    Properties:
      Role: !GetAtt R.Arn
      Events:
        RequestsStream:
          Properties:
            Stream: !GetAtt T.StreamArn
            BatchSize: 7
            MaximumRetryAttempts: 3
`))
	if err != nil || s != (settings{timeout: 10, batchSize: 7, maxRetries: 3}) {
		t.Errorf("readSettings() = %+v, %v", s, err)
	}
}
