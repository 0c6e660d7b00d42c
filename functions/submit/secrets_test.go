package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// TestSetupReadsSecretsTogether: the hashing key and the Turnstile secret
// are asked of Secrets Manager at the same time, so that a cold start waits
// for one round trip, not two. The stand-in for Secrets Manager holds each
// request until the other arrives, or for two seconds.
func TestSetupReadsSecretsTogether(t *testing.T) {
	var (
		mu       sync.Mutex
		inFlight int
		most     int
		both     = make(chan struct{})
		once     sync.Once
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct{ SecretId string }
		body, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(body, &in)
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		if inFlight == 2 {
			once.Do(func() { close(both) })
		}
		mu.Unlock()
		select {
		case <-both:
		case <-time.After(2 * time.Second):
		}
		mu.Lock()
		inFlight--
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		fmt.Fprintf(w, `{"ARN":%q,"Name":"s","SecretString":"secret-of-%s-0123456789abcdef"}`, in.SecretId, in.SecretId)
	}))
	defer srv.Close()

	env := map[string]string{
		"TABLE_NAME":             "appointments",
		"ALLOWED_ORIGINS":        "https://www.example.com",
		"THANK_YOU_URL":          "https://www.example.com/thank-you",
		"HASHING_KEY_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:hashing",
		"TURNSTILE_SECRET_ARN":   "arn:aws:secretsmanager:us-east-1:123456789012:secret:turnstile",
		"AWS_REGION":             "us-east-1",
		"AWS_ACCESS_KEY_ID":      "AKIDEXAMPLE",
		"AWS_SECRET_ACCESS_KEY":  "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
		"AWS_ENDPOINT_URL":       srv.URL,
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	if _, err := setup(context.Background(), func(k string) string { return env[k] }, log); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if most != 2 {
		t.Errorf("at most %d secret read at a time, want both at once", most)
	}
}
