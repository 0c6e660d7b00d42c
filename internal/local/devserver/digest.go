package devserver

import (
	"context"
	"net/http"
	"slices"
	"time"

	"example.com/appointments/internal/httpapi"
)

// digestNotices are what the requests page says after its digest button,
// by the outcome the redirect names. Only these fixed words are shown, so
// the query cannot put text of its own on the page.
var digestNotices = map[string]string{
	"sent":    "The digest of open requests was sent; it is in the outbox.",
	"skipped": "No digest was sent: no request is open and no appointment is on the day sheet, or today's digest went out already (it goes once a day, as on AWS). The server's log says which.",
	"failed":  "The digest could not be sent; the server's log says why.",
}

// sendDigest sends the morning digest now, with the handler the schedule
// runs on AWS, and goes back to the requests page, which says how it went.
func (s *Server) sendDigest(w http.ResponseWriter, r *http.Request) {
	// The Host check does not stop a form on another site from posting
	// here: the browser addresses this server by its own name. Such a post
	// carries that site's Origin, so only the server's own pages may send.
	if !s.ownForm(w, r, "The digest can be sent only from this server's requests page.") {
		return
	}
	// The function's timeout on AWS.
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	outcome := "sent"
	switch sent, err := s.digest.Send(ctx, s.clock.now()); {
	case err != nil:
		s.log.Error("digest not sent", "error", err)
		outcome = "failed"
	case !sent:
		outcome = "skipped"
	}
	http.Redirect(w, r, "/_dev/requests?digest="+outcome, http.StatusSeeOther)
}

// maxOwnFormBody bounds the body of the posts of the server's own pages'
// buttons, each a short field or none; net/http would read up to 10 MB.
const maxOwnFormBody = 1 << 10

// ownForm accepts a post from one of the server's own pages (sameOrigin),
// bounding its body by maxOwnFormBody, or refuses it with refusal and
// reports false.
func (s *Server) ownForm(w http.ResponseWriter, r *http.Request, refusal string) bool {
	if !s.sameOrigin(r) {
		http.Error(w, refusal, http.StatusForbidden)
		return false
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxOwnFormBody)
	return true
}

// sameOrigin reports whether a request comes from one of the server's own
// pages, as its Origin header says; browsers send it with every form post.
func (s *Server) sameOrigin(r *http.Request) bool {
	o, err := httpapi.NormalizeOrigin(r.Header.Get("Origin"))
	return err == nil && slices.Contains(s.own, o)
}
