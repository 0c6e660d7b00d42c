package iamsim

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
)

// Call is one authorization AWS makes for a call of the API: an action on
// one resource with the condition keys the call carries. One API call can
// make several: a transaction is authorized item by item, and sending an
// email is authorized on the sending identity and the configuration set.
type Call struct {
	// Operation is the API operation called, such as
	// "dynamodb:TransactWriteItems".
	Operation string
	// Action is the IAM action authorized, such as "dynamodb:PutItem".
	Action string
	// Resource is the ARN of the resource the action is authorized on, or
	// "*" for an action that names none.
	Resource string
	// Context holds the condition keys the call carries and their values:
	// dynamodb:LeadingKeys for DynamoDB's item and query actions,
	// ses:FromAddress for sending.
	Context map[string][]string
	// Problem, when set, says why the call could not be read; Check fails
	// on it rather than leave the call unchecked.
	Problem string
}

func (c Call) String() string {
	s := c.Action + " on " + c.Resource
	if c.Operation != "" && c.Operation != c.Action {
		s = c.Operation + ": " + s
	}
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range c.Context {
			if !yield(k) {
				return
			}
		}
	}) {
		s += fmt.Sprintf(" %s=%q", k, c.Context[k])
	}
	if c.Problem != "" {
		s += " (" + c.Problem + ")"
	}
	return s
}

// Recorder keeps the calls that pass through it, on their way to an AWS
// API or a stand-in for one (moto_server).
type Recorder struct {
	// URL is the address of the recording proxy, for AWS_ENDPOINT_URL;
	// empty for a recorder made with NewTransport.
	URL string

	keys  keySchema
	mu    sync.Mutex
	calls []Call
}

// Record starts a proxy on a free loopback port that passes every request
// to the endpoint upstream (such as moto's) and records the calls it sees.
// Point a function at it with Env. The proxy stops when the test ends.
func Record(t testing.TB, upstream string) *Recorder {
	t.Helper()
	target, err := url.Parse(upstream)
	if err != nil {
		t.Fatalf("iamsim: upstream %q: %v", upstream, err)
	}
	r := &Recorder{keys: requestsTableKeys(t)}
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if err := r.observe(req); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		proxy.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	r.URL = srv.URL
	return r
}

// NewTransport returns a recorder and an HTTP transport for an SDK client
// built in the test itself: it records each call and passes it to next
// (http.DefaultTransport when nil).
func NewTransport(t testing.TB, next http.RoundTripper) (*Recorder, http.RoundTripper) {
	t.Helper()
	if next == nil {
		next = http.DefaultTransport
	}
	r := &Recorder{keys: requestsTableKeys(t)}
	return r, roundTripper(func(req *http.Request) (*http.Response, error) {
		if err := r.observe(req); err != nil {
			return nil, err
		}
		return next.RoundTrip(req)
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// Env returns env with AWS_ENDPOINT_URL pointing at the proxy, so that a
// function started with it makes its calls through the recorder.
func (r *Recorder) Env(env []string) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		if !strings.HasPrefix(kv, "AWS_ENDPOINT_URL=") {
			out = append(out, kv)
		}
	}
	return append(out, "AWS_ENDPOINT_URL="+r.URL)
}

// Calls returns the calls recorded so far.
func (r *Recorder) Calls() []Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls)
}

// observe reads the call req makes and records it, leaving req's body for
// whoever sends it on.
func (r *Recorder) observe(req *http.Request) error {
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			return fmt.Errorf("iamsim: read request: %w", err)
		}
		req.Body.Close()
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	calls := r.keys.parse(req.Header, body)
	r.mu.Lock()
	r.calls = append(r.calls, calls...)
	r.mu.Unlock()
	return nil
}

// credentialScope reads the Region and service of a Signature Version 4
// signed request: "Credential=<key>/<date>/<region>/<service>/aws4_request".
var credentialScope = regexp.MustCompile(`Credential=[^/]+/[0-9]{8}/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request`)

// parse turns one request to an AWS API into the authorizations AWS makes
// for it.
func (k keySchema) parse(h http.Header, body []byte) []Call {
	m := credentialScope.FindStringSubmatch(h.Get("Authorization"))
	if m == nil {
		return []Call{{Operation: "?", Action: "?", Resource: "?", Problem: "the request is not signed with Signature Version 4"}}
	}
	arn := arnBuilder{region: m[1]}
	switch service := m[2]; service {
	case "dynamodb":
		op, ok := strings.CutPrefix(h.Get("X-Amz-Target"), "DynamoDB_20120810.")
		if !ok {
			return []Call{problem("dynamodb:?", "a DynamoDB call without a DynamoDB_20120810 target (a stream read?)")}
		}
		return k.dynamoDB(arn, op, body)
	case "secretsmanager":
		op, _ := strings.CutPrefix(h.Get("X-Amz-Target"), "secretsmanager.")
		return secretsManager(op, body)
	case "ses", "email":
		return ses(arn, body)
	default:
		return []Call{problem(service+":?", "a call to "+service+", which the recorder does not read")}
	}
}

func problem(op, why string) Call {
	return Call{Operation: op, Action: op, Resource: "?", Problem: why}
}

// arnBuilder makes the ARNs of resources in the Region a call was signed
// for, in the account the recorded calls are made in.
type arnBuilder struct{ region string }

func (a arnBuilder) of(service, resource string) string {
	return "arn:" + Partition + ":" + service + ":" + a.region + ":" + AccountID + ":" + resource
}

// keySchema names the partition key attribute of the table and of each of
// its indexes, whose values are the dynamodb:LeadingKeys of a call.
type keySchema struct {
	table   string
	indexes map[string]string
}

// attributeValue is a DynamoDB attribute value in the JSON protocol.
type attributeValue map[string]json.RawMessage

func (v attributeValue) text() (string, bool) {
	for _, typ := range []string{"S", "N", "B"} {
		if raw, ok := v[typ]; ok {
			var s string
			if json.Unmarshal(raw, &s) == nil {
				return s, true
			}
		}
	}
	return "", false
}

// item is the part of an item write, key or query the recorder reads.
type item struct {
	TableName                 string
	IndexName                 string
	Key                       map[string]attributeValue
	Item                      map[string]attributeValue
	KeyConditionExpression    string
	ExpressionAttributeNames  map[string]string
	ExpressionAttributeValues map[string]attributeValue
}

// itemActions are the DynamoDB operations on one item, which IAM
// authorizes with the action of the same name and the item's partition key
// as dynamodb:LeadingKeys.
var itemActions = []string{"GetItem", "PutItem", "UpdateItem", "DeleteItem"}

func (k keySchema) dynamoDB(arn arnBuilder, op string, body []byte) []Call {
	operation := "dynamodb:" + op
	switch {
	case slices.Contains(itemActions, op):
		var in item
		if err := json.Unmarshal(body, &in); err != nil {
			return []Call{problem(operation, err.Error())}
		}
		return []Call{k.itemCall(arn, operation, op, in)}
	case op == "TransactWriteItems":
		// IAM has no action for the transaction itself: each item is
		// authorized as the single-item call it stands for.
		var in struct {
			TransactItems []struct {
				Put, Update, Delete, ConditionCheck *item
			}
		}
		if err := json.Unmarshal(body, &in); err != nil {
			return []Call{problem(operation, err.Error())}
		}
		var calls []Call
		for _, ti := range in.TransactItems {
			switch {
			case ti.Put != nil:
				calls = append(calls, k.itemCall(arn, operation, "PutItem", *ti.Put))
			case ti.Update != nil:
				calls = append(calls, k.itemCall(arn, operation, "UpdateItem", *ti.Update))
			case ti.Delete != nil:
				calls = append(calls, k.itemCall(arn, operation, "DeleteItem", *ti.Delete))
			case ti.ConditionCheck != nil:
				calls = append(calls, k.itemCall(arn, operation, "ConditionCheckItem", *ti.ConditionCheck))
			default:
				calls = append(calls, problem(operation, "a transaction item of a kind the recorder does not read"))
			}
		}
		if len(calls) == 0 {
			calls = append(calls, problem(operation, "a transaction without items"))
		}
		return calls
	case op == "Query":
		var in item
		if err := json.Unmarshal(body, &in); err != nil {
			return []Call{problem(operation, err.Error())}
		}
		c := Call{Operation: operation, Action: operation, Resource: arn.of("dynamodb", "table/"+in.TableName)}
		attr := k.table
		if in.IndexName != "" {
			c.Resource += "/index/" + in.IndexName
			attr = k.indexes[in.IndexName]
		}
		value, err := partitionValue(in, attr)
		if err != nil {
			c.Problem = err.Error()
			return []Call{c}
		}
		c.Context = map[string][]string{"dynamodb:LeadingKeys": {value}}
		return []Call{c}
	default:
		return []Call{problem(operation, "a DynamoDB operation the recorder does not read")}
	}
}

// itemCall is the authorization of action on the item in of a table.
func (k keySchema) itemCall(arn arnBuilder, operation, action string, in item) Call {
	c := Call{Operation: operation, Action: "dynamodb:" + action, Resource: arn.of("dynamodb", "table/"+in.TableName)}
	key := in.Key
	if action == "PutItem" {
		key = in.Item
	}
	pk, ok := key[k.table].text()
	if !ok || in.TableName == "" {
		c.Problem = fmt.Sprintf("no table or no partition key %q", k.table)
		return c
	}
	c.Context = map[string][]string{"dynamodb:LeadingKeys": {pk}}
	return c
}

// partitionValue reads the value a query's key condition gives the
// partition key attribute attr: "<attr> = :v", or a name standing for it.
func partitionValue(in item, attr string) (string, error) {
	if attr == "" {
		return "", fmt.Errorf("no key schema for index %q", in.IndexName)
	}
	clauses := regexp.MustCompile(`(?i)\s+AND\s+`).Split(in.KeyConditionExpression, -1)
	for _, clause := range clauses {
		left, right, ok := strings.Cut(clause, "=")
		if !ok {
			continue
		}
		left, right = strings.TrimSpace(left), strings.TrimSpace(right)
		if strings.HasPrefix(left, ":") {
			left, right = right, left
		}
		if name, ok := in.ExpressionAttributeNames[left]; ok {
			left = name
		}
		if left != attr {
			continue
		}
		if v, ok := in.ExpressionAttributeValues[right].text(); ok {
			return v, nil
		}
	}
	return "", fmt.Errorf("key condition %q names no value of %q", in.KeyConditionExpression, attr)
}

// secretsManager reads a Secrets Manager call, authorized on the secret
// it names by ARN.
func secretsManager(op string, body []byte) []Call {
	operation := "secretsmanager:" + op
	var in struct{ SecretId string }
	if err := json.Unmarshal(body, &in); err != nil {
		return []Call{problem(operation, err.Error())}
	}
	c := Call{Operation: operation, Action: operation, Resource: in.SecretId}
	if !strings.HasPrefix(in.SecretId, "arn:") {
		// A name would be authorized against the secret's full ARN, which
		// the call does not tell; the functions are given ARNs.
		c.Problem = "the secret is named, not given by ARN"
	}
	return []Call{c}
}

// ses reads an SES call (query protocol). Sending is authorized on the
// identity of the sender's address and of its domain (whichever SES
// verified), on each recipient's (in the sandbox) and on the
// configuration set, with the sender's address as ses:FromAddress.
func ses(arn arnBuilder, body []byte) []Call {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return []Call{problem("ses:?", err.Error())}
	}
	op := form.Get("Action")
	operation := "ses:" + op
	switch op {
	case "GetSendQuota":
		return []Call{{Operation: operation, Action: operation, Resource: "*"}}
	case "SendRawEmail":
	default:
		return []Call{problem(operation, "an SES operation the recorder does not read")}
	}
	from := form.Get("Source")
	if from == "" {
		raw, err := base64.StdEncoding.DecodeString(form.Get("RawMessage.Data"))
		if err != nil {
			return []Call{problem(operation, "unreadable raw message: "+err.Error())}
		}
		msg, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			return []Call{problem(operation, "unreadable raw message: "+err.Error())}
		}
		from = msg.Header.Get("From")
	}
	addr, err := mail.ParseAddress(from)
	if err != nil {
		return []Call{problem(operation, "unreadable sender: "+err.Error())}
	}
	identities := []string{addr.Address, addr.Address[strings.LastIndexByte(addr.Address, '@')+1:]}
	for i := 1; ; i++ {
		to := form.Get(fmt.Sprintf("Destinations.member.%d", i))
		if to == "" {
			break
		}
		identities = append(identities, to)
	}
	context := map[string][]string{"ses:FromAddress": {addr.Address}}
	var calls []Call
	for _, id := range identities {
		calls = append(calls, Call{Operation: operation, Action: operation, Resource: arn.of("ses", "identity/"+id), Context: context})
	}
	if set := form.Get("ConfigurationSetName"); set != "" {
		calls = append(calls, Call{Operation: operation, Action: operation, Resource: arn.of("ses", "configuration-set/"+set), Context: context})
	}
	return calls
}
