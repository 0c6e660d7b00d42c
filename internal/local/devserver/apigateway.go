package devserver

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// maxGatewayBody is API Gateway's own limit on a request body; the handler
// refuses far smaller bodies itself, as it does behind API Gateway.
const maxGatewayBody = 10 << 20

// lambdaHTTP serves an API Gateway HTTP API (payload 2.0) handler over
// plain HTTP, translating each request and response the way API Gateway
// does, so the handler runs here exactly as it runs in Lambda. maxBody is
// the handler's own limit on a body (see readBody).
func lambdaHTTP(handle func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error), maxBody int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > maxGatewayBody {
			// API Gateway's own answer, before anything is read.
			http.Error(w, `{"message":"Request Entity Too Large"}`, http.StatusRequestEntityTooLarge)
			return
		}
		body, err := readBody(w, r, maxBody)
		if err != nil {
			// The body broke off or took too long to arrive.
			http.Error(w, `{"message":"Bad Request"}`, http.StatusBadRequest)
			return
		}
		e := gatewayEvent(r, body)
		// Lambda gives the function its timeout; SubmitFunction's is 10s.
		ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
		defer cancel()
		resp, err := handle(ctx, e)
		if err != nil {
			// API Gateway answers a failed invocation with a bare 500.
			http.Error(w, `{"message":"Internal Server Error"}`, http.StatusInternalServerError)
			return
		}
		writeGatewayResponse(w, resp)
	})
}

// readBody reads a request's body, but no more of it than one byte past
// limit. API Gateway hands the function bodies of up to 10 MiB, which the
// handler refuses by their length alone when they are over its limit; a
// body cut one byte past the limit gets the same refusal, so the rest is
// never read, and the connection is closed after the answer rather than
// read to its end. Read whole, sixteen posts of 10 MiB at once took the
// server from 30 MB of memory to 448 MB.
func readBody(w http.ResponseWriter, r *http.Request, limit int) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, int64(limit)+1))
	if _, over := errors.AsType[*http.MaxBytesError](err); over {
		return body, nil
	}
	return body, err
}

func gatewayEvent(r *http.Request, body []byte) events.APIGatewayV2HTTPRequest {
	headers := make(map[string]string, len(r.Header))
	for k, v := range r.Header {
		headers[strings.ToLower(k)] = strings.Join(v, ",")
	}
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	now := time.Now()
	e := events.APIGatewayV2HTTPRequest{
		Version:        "2.0",
		RouteKey:       r.Method + " " + r.URL.Path,
		RawPath:        r.URL.Path,
		RawQueryString: r.URL.RawQuery,
		Headers:        headers,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:   r.Method + " " + r.URL.Path,
			Stage:      "$default",
			RequestID:  strings.ToLower(rand.Text()),
			DomainName: r.Host,
			Time:       now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			TimeEpoch:  now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:    r.Method,
				Path:      r.URL.Path,
				Protocol:  r.Proto,
				SourceIP:  ip,
				UserAgent: r.UserAgent(),
			},
		},
	}
	// API Gateway also parses the query string, joining repeated
	// parameters with commas.
	if q := r.URL.Query(); len(q) > 0 {
		e.QueryStringParameters = make(map[string]string, len(q))
		for k, v := range q {
			e.QueryStringParameters[k] = strings.Join(v, ",")
		}
	}
	// API Gateway passes text bodies as they are and base64-encodes the
	// rest, form posts included.
	if len(body) > 0 {
		if isText(headers["content-type"]) {
			e.Body = string(body)
		} else {
			e.Body = base64.StdEncoding.EncodeToString(body)
			e.IsBase64Encoded = true
		}
	}
	return e
}

func isText(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return strings.HasPrefix(mt, "text/") || mt == "application/json" || strings.HasSuffix(mt, "+json")
}

func writeGatewayResponse(w http.ResponseWriter, resp events.APIGatewayV2HTTPResponse) {
	for k, v := range resp.Headers {
		w.Header().Set(k, v)
	}
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		if b, err := base64.StdEncoding.DecodeString(resp.Body); err == nil {
			body = b
		}
	}
	status := resp.StatusCode
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
