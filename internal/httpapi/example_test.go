package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/httpapi"
	"example.com/appointments/internal/libphonenumber"
)

// memoryStore keeps requests in memory; a deployment uses dynamo.Store.
type memoryStore struct {
	requests map[string]appointment.Request
	counts   map[string]int
}

func (s *memoryStore) Create(_ context.Context, r appointment.Request, _ appointment.Dedupe) (appointment.Receipt, error) {
	s.requests[r.ID] = r
	return appointment.Receipt{ID: r.ID, Reference: r.Reference}, nil
}

func (s *memoryStore) Replay(context.Context, appointment.Request, appointment.Dedupe) (appointment.Receipt, bool, error) {
	return appointment.Receipt{}, false, nil
}

func (s *memoryStore) Count(_ context.Context, name string, start time.Time, _ time.Duration, delta int) (int, error) {
	s.counts[name+start.String()] += delta
	return s.counts[name+start.String()], nil
}

func (s *memoryStore) Decoy(ctx context.Context, name string, start time.Time, window time.Duration) (bool, error) {
	n, err := s.Count(ctx, name, start, window, 1)
	return n > 1, err
}

type noMetrics struct{}

func (noMetrics) Count(string, map[string]string) {}

func ExampleHandler_Handle() {
	profile, err := clinic.Default()
	if err != nil {
		log.Fatal(err)
	}
	store := &memoryStore{requests: map[string]appointment.Request{}, counts: map[string]int{}}
	h, err := httpapi.New(httpapi.Config{
		AllowedOrigins: []string{"https://www.example.com"},
		ThankYouURL:    "https://www.example.com/thank-you",
		Accepted:       appointment.PerHour(10),
		Attempts:       appointment.PerHour(60),
		PerAddress:     appointment.PerDay(3),
		// In a deployment the key comes from Secrets Manager.
		Key:    []byte("an-example-key-of-at-least-32-bytes"),
		Phones: libphonenumber.Reader{},
	}, profile, store, slog.New(slog.NewJSONHandler(io.Discard, nil)), noMetrics{})
	if err != nil {
		log.Fatal(err)
	}

	e := events.APIGatewayV2HTTPRequest{
		Headers: map[string]string{"content-type": "application/json", "origin": "https://www.example.com"},
		Body: `{"firstName":"Jordan","lastName":"Rivera","email":"jordan@example.com",` +
			`"phone":"(303) 555-0142","service":"dry-needling","consent":true}`,
	}
	e.RequestContext.HTTP.Method = "POST"
	e.RequestContext.HTTP.SourceIP = "203.0.113.24"
	resp, _ := h.Handle(context.Background(), e)

	var body struct{ ID, Status string }
	_ = json.Unmarshal([]byte(resp.Body), &body)
	fmt.Println(resp.StatusCode, body.Status)
	fmt.Println("stored phone:", store.requests[body.ID].Phone)
	// Output:
	// 201 received
	// stored phone: +13035550142
}
