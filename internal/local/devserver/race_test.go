package devserver

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// logBuffer collects a server's log lines from many goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// TestRacingDeskActionsLoserSeesTheOutcome: two members of the front desk
// send the same action on one request at the same moment. One of them
// acts and is sent on to the page that says so; the other gets the page
// that says the request was acted on already, as DynamoDB's conditional
// write leaves it, never a 503 and an error in the log. The race is run
// many times, and every round must come out so.
func TestRacingDeskActionsLoserSeesTheOutcome(t *testing.T) {
	logs := &logBuffer{}
	ts := start(t, Options{Log: slog.New(slog.NewJSONHandler(logs, nil))})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	contact := regexp.MustCompile(`href="(/manage/contact/[A-Za-z0-9_-]+)"`)

	const rounds = 20
	for round := range rounds {
		submitJSON(t, ts, strings.Replace(jsonBody, "jordan@", fmt.Sprintf("race%d@", round), 1))
		// Earlier rounds' requests are contacted already, so the only
		// contact link left is this round's.
		m := contact.FindStringSubmatch(get(t, ts.URL+"/_dev/requests"))
		if m == nil {
			t.Fatalf("round %d: no contact link on the requests page", round)
		}
		type answer struct {
			status int
			body   string
		}
		answers := make([]answer, 2)
		ready := make(chan struct{})
		var wg sync.WaitGroup
		for i := range answers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest(http.MethodPost, ts.URL+m[1], strings.NewReader(""))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				<-ready
				resp, err := client.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				answers[i] = answer{resp.StatusCode, string(b)}
			}()
		}
		close(ready)
		wg.Wait()

		var acted, told int
		for _, a := range answers {
			switch {
			case a.status == http.StatusSeeOther:
				acted++
			case a.status == http.StatusOK && strings.Contains(a.body, "This can no longer be done."):
				told++
			default:
				t.Errorf("round %d: answered %d, want 303 or the page saying it was done already", round, a.status)
			}
		}
		if acted != 1 || told != 1 {
			t.Errorf("round %d: %d acted and %d were told it was done already, want 1 and 1", round, acted, told)
		}
	}
	if strings.Contains(logs.String(), `"level":"ERROR"`) {
		t.Errorf("the race logged an error:\n%s", logs.String())
	}
}
