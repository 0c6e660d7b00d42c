package devserver

import (
	"context"
	"crypto/rand"
	"encoding/base64"
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
// does, so the handler runs here exactly as it runs in Lambda.
func lambdaHTTP(handle func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e, err := gatewayEvent(r)
		if err != nil {
			http.Error(w, "Request Entity Too Large", http.StatusRequestEntityTooLarge)
			return
		}
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

func gatewayEvent(r *http.Request) (events.APIGatewayV2HTTPRequest, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxGatewayBody+1))
	if err != nil || len(body) > maxGatewayBody {
		return events.APIGatewayV2HTTPRequest{}, io.ErrShortBuffer
	}
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
	return e, nil
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
