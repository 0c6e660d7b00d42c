package awsstub

import (
	"encoding/xml"
	"fmt"
	"maps"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"example.com/appointments/internal/appointment"
)

const sesNamespace = "http://ses.amazonaws.com/doc/2010-12-01/"

// mailbox is the stub's SES: its quota, and what it accepted and refused.
// The Server's mutex guards it.
type mailbox struct {
	maxSendRate float64
	// limit, when positive, is the most sends accepted in any one second
	// (ThrottleSends); recent are the times of those of the last second.
	limit  int
	recent []time.Time
	now    func() time.Time
	// sent counts accepted sends by "<request ID>/<email kind>".
	sent                                      map[string]int
	accepted, throttled, untagged, quotaCalls int
}

// SetMaxSendRate sets the MaxSendRate that GetSendQuota reports.
func (s *Server) SetMaxSendRate(perSecond float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mail.maxSendRate = perSecond
}

// ThrottleSends makes the stub's SES refuse sends beyond the account's
// maximum send rate as SES does: GetSendQuota reports perSecond as
// MaxSendRate, at most that many sends (rounded down, at least one) are
// accepted in any one second, counting those accepted, and any other is
// answered with 400 Throttling, "Maximum sending rate exceeded.".
func (s *Server) ThrottleSends(perSecond float64) error {
	if perSecond <= 0 {
		return fmt.Errorf("the SES stub's rate must be positive, not %v", perSecond)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mail.maxSendRate = perSecond
	s.mail.limit = max(1, int(math.Floor(perSecond)))
	return nil
}

// SESCounts is what the stub's SES saw.
type SESCounts struct {
	// Sent counts the accepted sends by "<request ID>/<email kind>", from
	// the message tags the sender names each email with.
	Sent map[string]int
	// Accepted and Throttled count the sends accepted and refused;
	// Untagged, the accepted sends without both tags; QuotaCalls, the
	// calls of GetSendQuota.
	Accepted, Throttled, Untagged, QuotaCalls int
}

// SES returns what the stub's SES saw.
func (s *Server) SES() SESCounts {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := &s.mail
	return SESCounts{Sent: maps.Clone(m.sent), Accepted: m.accepted, Throttled: m.throttled, Untagged: m.untagged, QuotaCalls: m.quotaCalls}
}

func (s *Server) ses(w http.ResponseWriter, body []byte) {
	form, err := url.ParseQuery(string(body))
	action := form.Get("Action")
	if err != nil || action == "" {
		s.count("Unsupported.SES")
		sesError(w, "InvalidAction", "a query with an Action is expected")
		return
	}
	switch action {
	case "SendRawEmail", "SendEmail":
		s.count("SES." + action)
		n, ok := s.accept(tags(form))
		if !ok {
			sesError(w, "Throttling", "Maximum sending rate exceeded.")
			return
		}
		id := fmt.Sprintf("0100019a00000000-%08x-0000-4000-8000-000000000000-000000", n)
		writeXML(w, action, fmt.Sprintf("<MessageId>%s</MessageId>", id))
	case "GetSendQuota":
		s.count("SES." + action)
		s.mu.Lock()
		s.mail.quotaCalls++
		rate := s.mail.maxSendRate
		s.mu.Unlock()
		writeXML(w, action, "<Max24HourSend>50000.0</Max24HourSend><MaxSendRate>"+
			strconv.FormatFloat(rate, 'f', 1, 64)+"</MaxSendRate><SentLast24Hours>0.0</SentLast24Hours>")
	default:
		s.count("Unsupported.SES." + action)
		sesError(w, "InvalidAction", "the stub does not answer SES "+action)
	}
}

// accept takes a send unless ThrottleSends is on and the last second
// leaves no room for it, and returns its number among those accepted.
func (s *Server) accept(tags map[string]string) (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := &s.mail
	if m.limit > 0 {
		now := m.now()
		kept := m.recent[:0]
		for _, t := range m.recent {
			if now.Sub(t) < time.Second {
				kept = append(kept, t)
			}
		}
		m.recent = kept
		if len(m.recent) >= m.limit {
			m.throttled++
			return 0, false
		}
		m.recent = append(m.recent, now)
	}
	m.accepted++
	id, kind := tags[appointment.TagRequest], tags[appointment.TagEmail]
	if id == "" || kind == "" {
		m.untagged++
	} else {
		m.sent[id+"/"+kind]++
	}
	return m.accepted, true
}

// tags reads a send's message tags (Tags.member.N.Name and .Value).
func tags(form url.Values) map[string]string {
	out := map[string]string{}
	for i := 1; ; i++ {
		name := form.Get(fmt.Sprintf("Tags.member.%d.Name", i))
		if name == "" {
			return out
		}
		out[name] = form.Get(fmt.Sprintf("Tags.member.%d.Value", i))
	}
}

func writeXML(w http.ResponseWriter, action, result string) {
	w.Header().Set("Content-Type", "text/xml")
	write(w, http.StatusOK, fmt.Appendf(nil, `<%sResponse xmlns="%s"><%sResult>%s</%sResult><ResponseMetadata><RequestId>00000000-0000-4000-8000-000000000000</RequestId></ResponseMetadata></%sResponse>`,
		action, sesNamespace, action, result, action, action))
}

func sesError(w http.ResponseWriter, code, message string) {
	w.Header().Set("Content-Type", "text/xml")
	var esc strings.Builder
	_ = xml.EscapeText(&esc, []byte(message))
	write(w, http.StatusBadRequest, fmt.Appendf(nil, `<ErrorResponse xmlns="%s"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>00000000-0000-4000-8000-000000000000</RequestId></ErrorResponse>`,
		sesNamespace, code, esc.String()))
}
