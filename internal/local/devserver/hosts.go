package devserver

import (
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// loopbackNames are the names a developer may type for their own machine.
var loopbackNames = []string{"localhost", "127.0.0.1", "::1"}

// ownOrigins returns the server's origin under every loopback name when it
// is on loopback (http://localhost:3000, http://127.0.0.1:3000 and
// http://[::1]:3000), so that the form posts from whichever one the
// developer typed; any other origin is returned as it is.
func ownOrigins(origin string) []string {
	u, err := url.Parse(origin)
	if err != nil || !slices.Contains(loopbackNames, u.Hostname()) {
		return []string{origin}
	}
	out := make([]string, 0, len(loopbackNames))
	for _, name := range loopbackNames {
		host := name
		if p := u.Port(); p != "" {
			host = net.JoinHostPort(name, p)
		} else if strings.Contains(name, ":") {
			host = "[" + name + "]"
		}
		out = append(out, u.Scheme+"://"+host)
	}
	return out
}

// hostsOf returns the Host header values of the given origins.
func hostsOf(origins []string) []string {
	var out []string
	for _, o := range origins {
		if u, err := url.Parse(o); err == nil && u.Host != "" {
			out = append(out, strings.ToLower(u.Host))
		}
	}
	return out
}

// guard refuses requests addressed to any host but the server's own, and
// marks every response nosniff. A web page the developer visits could
// otherwise point a name of its own at 127.0.0.1 (DNS rebinding) and read
// the outbox and the stored requests, which hold patients' details in a
// clinic's copy of the data.
func guard(hosts []string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if !slices.Contains(hosts, strings.ToLower(r.Host)) {
			// The Host is not repeated: it is whatever the caller sent.
			http.Error(w, "This development server answers only at its own address, such as "+hosts[0]+".", http.StatusMisdirectedRequest)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// devPageCSP is the policy of the outbox and requests pages: their own
// inline styles, the outbox's frames of email HTML from the same server,
// forms that post to this server only (the requests page's digest button),
// and nothing else; no script, no framing by other pages.
const devPageCSP = "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// devPageHeaders sets the headers of a development page.
func devPageHeaders(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", devPageCSP)
}
