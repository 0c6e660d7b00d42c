package devserver

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"example.com/appointments/internal/appointment"
)

// feedbackEvents are the outbox's buttons: each makes up the event SES
// publishes when the receiving side accepts the email, bounces it for
// good, or its recipient marks it as spam.
var feedbackEvents = []string{"delivery", "bounce", "complaint"}

// feedbackNotices are what the outbox says after a button, by the outcome
// the redirect names; only these fixed words are shown.
var feedbackNotices = map[string]string{
	"recorded": "SES's report went to the feedback handler, as SES would send it. The requests page shows what it recorded on the email; a bounced confirmation brings the front desk a notice.",
	"failed":   "The report could not be recorded; the server's log says why.",
}

// simulateFeedback hands the feedback handler the event SES would publish
// about one email of the outbox, so that bounces and complaints can be
// tried locally: the same handler records them, and the same notify
// handler sends the front desk's notice of a bounced confirmation.
func (s *Server) simulateFeedback(w http.ResponseWriter, r *http.Request) {
	if !s.ownForm(w, r, "Feedback can be made up only from this server's outbox.") {
		return
	}
	typ := r.PostFormValue("event")
	if !slices.Contains(feedbackEvents, typ) {
		http.Error(w, "event must be delivery, bounce or complaint", http.StatusBadRequest)
		return
	}
	e, ok, err := s.local.EmailByID(r.Context(), r.PathValue("id"))
	if err != nil || !ok || e.Err != nil || e.RequestID == "" {
		http.Error(w, "No such email of a request in the outbox.", http.StatusNotFound)
		return
	}
	// The report comes at the server's time, as the outbox stamps the
	// email it is about.
	msg, err := sesEvent(typ, e.MessageID, e.RequestID, string(e.Kind), e.To, s.clock.now())
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	outcome := "recorded"
	if err := s.feedback.Record(ctx, msg); err != nil {
		outcome = "failed"
	}
	http.Redirect(w, r, "/_dev/outbox?feedback="+outcome+"#email-"+r.PathValue("id"), http.StatusSeeOther)
}

// sesEvent is the event SES publishes through a configuration set, in
// its shape (infra/events/feedback-*.json holds real-looking samples).
func sesEvent(typ, messageID, requestID, kind string, to []string, at time.Time) ([]byte, error) {
	stamp := at.UTC().Format(time.RFC3339Nano)
	e := map[string]any{
		"mail": map[string]any{
			"timestamp":   stamp,
			"messageId":   messageID,
			"destination": to,
			"tags": map[string][]string{
				appointment.TagRequest: {requestID},
				appointment.TagEmail:   {kind},
			},
		},
	}
	switch typ {
	case "delivery":
		e["eventType"] = "Delivery"
		e["delivery"] = map[string]any{"timestamp": stamp, "recipients": to, "smtpResponse": "250 2.6.0 Message received"}
	case "bounce":
		recipients := make([]map[string]string, len(to))
		for i, a := range to {
			recipients[i] = map[string]string{"emailAddress": a, "action": "failed", "status": "5.1.1"}
		}
		e["eventType"] = "Bounce"
		e["bounce"] = map[string]any{"bounceType": "Permanent", "bounceSubType": "General", "bouncedRecipients": recipients, "timestamp": stamp}
	case "complaint":
		recipients := make([]map[string]string, len(to))
		for i, a := range to {
			recipients[i] = map[string]string{"emailAddress": a}
		}
		e["eventType"] = "Complaint"
		e["complaint"] = map[string]any{"complainedRecipients": recipients, "complaintFeedbackType": "abuse", "timestamp": stamp}
	}
	return json.Marshal(e)
}
