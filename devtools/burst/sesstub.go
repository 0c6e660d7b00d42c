package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"example.com/appointments/internal/appointment"
)

// sesStub answers the SES query API (SendRawEmail, SendEmail and
// GetSendQuota) on a loopback port, and refuses sends beyond the account's
// maximum send rate as SES does: it accepts at most MaxSendRate sends in
// any one second, counting the sends it accepted, and answers any other
// with 400 Throttling, "Maximum sending rate exceeded.". It keeps count of
// the emails accepted per request and kind, from the message tags the
// sender names each email with.
type sesStub struct {
	// URL is the stub's base URL.
	URL string
	// rate is what GetSendQuota answers as MaxSendRate.
	rate float64
	// limit is the most sends accepted in any one second.
	limit int
	now   func() time.Time

	srv *http.Server
	ln  net.Listener

	mu sync.Mutex
	// recent are the times of the accepted sends of the last second.
	recent []time.Time
	// sent counts accepted sends by "<request ID>/<email kind>".
	sent       map[string]int
	accepted   int
	throttled  int
	untagged   int
	quotaCalls int
}

// startSESStub serves the stub on a free loopback port until close.
func startSESStub(rate float64) (*sesStub, error) {
	if rate <= 0 {
		return nil, fmt.Errorf("the SES stub's rate must be positive, not %v", rate)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := newSESStub(rate)
	s.URL = "http://" + ln.Addr().String()
	s.ln = ln
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln)
	return s, nil
}

func newSESStub(rate float64) *sesStub {
	return &sesStub{rate: rate, limit: max(1, int(math.Floor(rate))), now: time.Now, sent: map[string]int{}}
}

// close stops the server and waits for its connections to end.
func (s *sesStub) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

const sesNamespace = "http://ses.amazonaws.com/doc/2010-12-01/"

func (s *sesStub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, http.StatusBadRequest, "InvalidParameterValue", "unreadable request")
		return
	}
	switch action := r.PostForm.Get("Action"); action {
	case "GetSendQuota":
		s.mu.Lock()
		s.quotaCalls++
		sent := s.accepted
		s.mu.Unlock()
		s.answer(w, action, fmt.Sprintf("<Max24HourSend>50000.0</Max24HourSend><MaxSendRate>%s</MaxSendRate><SentLast24Hours>%d.0</SentLast24Hours>",
			strconv.FormatFloat(s.rate, 'f', 1, 64), sent))
	case "SendRawEmail", "SendEmail":
		id, ok := s.send(tags(r))
		if !ok {
			s.fail(w, http.StatusBadRequest, "Throttling", "Maximum sending rate exceeded.")
			return
		}
		s.answer(w, action, "<MessageId>"+id+"</MessageId>")
	default:
		s.fail(w, http.StatusBadRequest, "InvalidAction", "The action "+action+" is not valid for this endpoint.")
	}
}

// send accepts a send if the last second leaves room for it, and returns
// its message ID.
func (s *sesStub) send(tags map[string]string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	kept := s.recent[:0]
	for _, t := range s.recent {
		if now.Sub(t) < time.Second {
			kept = append(kept, t)
		}
	}
	s.recent = kept
	if len(s.recent) >= s.limit {
		s.throttled++
		return "", false
	}
	s.recent = append(s.recent, now)
	s.accepted++
	id, kind := tags[appointment.TagRequest], tags[appointment.TagEmail]
	if id == "" || kind == "" {
		s.untagged++
	} else {
		s.sent[id+"/"+kind]++
	}
	return fmt.Sprintf("0100019a-burst-%06d", s.accepted), true
}

// tags reads a send's message tags (Tags.member.N.Name and .Value).
func tags(r *http.Request) map[string]string {
	out := map[string]string{}
	for i := 1; ; i++ {
		name := r.PostForm.Get(fmt.Sprintf("Tags.member.%d.Name", i))
		if name == "" {
			return out
		}
		out[name] = r.PostForm.Get(fmt.Sprintf("Tags.member.%d.Value", i))
	}
}

func (s *sesStub) answer(w http.ResponseWriter, action, result string) {
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<%sResponse xmlns="%s"><%sResult>%s</%sResult><ResponseMetadata><RequestId>burst</RequestId></ResponseMetadata></%sResponse>`,
		action, sesNamespace, action, result, action, action)
}

func (s *sesStub) fail(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<ErrorResponse xmlns="%s"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>burst</RequestId></ErrorResponse>`,
		sesNamespace, code, message)
}

// stubCounts is what the stub saw.
type stubCounts struct {
	sent                                    map[string]int
	accepted, throttled, untagged, quotaGet int
}

func (s *sesStub) counts() stubCounts {
	s.mu.Lock()
	defer s.mu.Unlock()
	sent := make(map[string]int, len(s.sent))
	for k, v := range s.sent {
		sent[k] = v
	}
	return stubCounts{sent: sent, accepted: s.accepted, throttled: s.throttled, untagged: s.untagged, quotaGet: s.quotaCalls}
}
