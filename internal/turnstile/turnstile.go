// Package turnstile verifies Cloudflare Turnstile tokens with Cloudflare's
// siteverify endpoint, server-side, before a submission is stored. The
// widget on the page proves nothing by itself; only siteverify can say
// whether a token is real, unspent and minted for the clinic's own site.
package turnstile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// SiteverifyURL is Cloudflare's verification endpoint.
const SiteverifyURL = "https://challenges.cloudflare.com/turnstile/v0/siteverify"

// maxTokenLength is the longest token Cloudflare issues; anything longer is
// refused without asking.
const maxTokenLength = 2048

// timeout bounds one verification, well inside the submit function's own
// deadline, so that a slow Cloudflare turns into a clear answer.
const timeout = 3 * time.Second

// Verifier checks tokens against siteverify.
type Verifier struct {
	secret    string
	hostnames []string
	url       string
	client    *http.Client
}

// New returns a verifier for the widget whose secret key is given, which
// accepts tokens solved on the host of any of the website origins given
// (such as https://www.example.com). siteverifyURL is Cloudflare's endpoint
// in production; tests pass a local stand-in.
func New(secret string, origins []string, siteverifyURL string) (*Verifier, error) {
	if strings.TrimSpace(secret) == "" {
		return nil, errors.New("turnstile secret is empty")
	}
	var hs []string
	for _, o := range origins {
		u, err := url.Parse(o)
		if err != nil || u.Hostname() == "" {
			return nil, fmt.Errorf("turnstile: origin %q has no host name", o)
		}
		if h := strings.ToLower(u.Hostname()); !slices.Contains(hs, h) {
			hs = append(hs, h)
		}
	}
	if len(hs) == 0 {
		return nil, errors.New("turnstile needs at least one allowed origin")
	}
	if _, err := url.ParseRequestURI(siteverifyURL); err != nil {
		return nil, fmt.Errorf("turnstile siteverify URL: %w", err)
	}
	return &Verifier{
		secret:    secret,
		hostnames: hs,
		url:       siteverifyURL,
		client:    &http.Client{Timeout: timeout},
	}, nil
}

// siteverifyResponse is the part of siteverify's answer that is checked.
type siteverifyResponse struct {
	Success    bool     `json:"success"`
	Hostname   string   `json:"hostname"`
	ErrorCodes []string `json:"error-codes"`
}

// Verify asks siteverify about token. It returns false for a token that is
// missing, refused, already spent, or solved on a site other than the
// clinic's; and an error when no clear answer came (a timeout, a server
// error, an unreadable reply), which the caller must treat as a refusal too.
func (v *Verifier) Verify(ctx context.Context, token, remoteIP string) (bool, error) {
	token = strings.TrimSpace(token)
	if token == "" || len(token) > maxTokenLength {
		return false, nil
	}
	form := url.Values{"secret": {v.secret}, "response": {token}}
	if remoteIP != "" {
		form.Set("remoteip", remoteIP)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, v.url, strings.NewReader(form.Encode()))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := v.client.Do(req)
	if err != nil {
		// The error names the URL, never the form that carries the secret.
		return false, fmt.Errorf("siteverify: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("siteverify: status %s", resp.Status)
	}
	var out siteverifyResponse
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&out); err != nil {
		return false, fmt.Errorf("siteverify: unreadable answer: %w", err)
	}
	if !out.Success {
		// A secret Cloudflare does not know is the clinic's mistake, not
		// the patient's: it is reported as an error to be logged.
		if slices.Contains(out.ErrorCodes, "invalid-input-secret") || slices.Contains(out.ErrorCodes, "missing-input-secret") {
			return false, errors.New("siteverify: the Turnstile secret key was refused")
		}
		return false, nil
	}
	return slices.Contains(v.hostnames, strings.ToLower(out.Hostname)), nil
}
