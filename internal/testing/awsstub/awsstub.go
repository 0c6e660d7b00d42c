// Package awsstub is a loopback stand-in for the parts of DynamoDB, Amazon
// SES and AWS Secrets Manager that the functions call, for benchmarks and
// the performance harness (devtools/bench): it answers at once, from memory,
// so that what is measured is the function's own work and the SDK's, not a
// service or an emulator.
//
// It speaks the wire protocols the SDK uses, on one endpoint:
//   - DynamoDB's JSON 1.0 (X-Amz-Target: DynamoDB_20120810.<Operation>):
//     PutItem, GetItem, UpdateItem, DeleteItem, Query, Scan, BatchGetItem,
//     BatchWriteItem and TransactWriteItems. Writes always succeed: no
//     condition is evaluated, so every claim, lease and counter is taken
//     as if it were the first. Items put (PutItem, a Put in a transaction
//     or a batch) are kept and read back by GetItem, Query, Scan and
//     BatchGetItem; updates leave stored items as they are, and an
//     UpdateItem asked for values returns each counter it ADDs to as 1.
//   - Secrets Manager's JSON 1.1 (X-Amz-Target:
//     secretsmanager.GetSecretValue): every secret's value is Secret.
//   - SES's query protocol (Action=...): SendRawEmail and SendEmail answer
//     with a new message ID, GetSendQuota with a quota of 50,000 a day at
//     MaxSendRate (14 a second unless SetMaxSendRate or ThrottleSends
//     changes it). With ThrottleSends, sends beyond the rate are refused as
//     SES refuses them, for devtools/burst.
//
// Every call is counted by service and operation (Calls). Anything else is
// answered with an error and counted under "Unsupported.<what>".
package awsstub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Secret is the value GetSecretValue returns for every secret: 48 bytes,
// long enough for the hashing key and the action-link key.
const Secret = "awsstub-secret-0123456789abcdefghijklmnopqrstuv"

// Region and the credentials below are what the stub's clients use; the
// stub checks no signature.
const (
	Region          = "us-east-1"
	AccessKeyID     = "AKIAAWSSTUBEXAMPLE"
	SecretAccessKey = "awsstub-secret-access-key"
	SessionToken    = "awsstub-session-token"
)

// keyAttributes are the names of the table's key attributes, the
// RequestsTable's pk and sk, by which items are stored and found.
var keyAttributes = []string{"pk", "sk"}

// item is an item in DynamoDB's JSON form: attribute name to typed value,
// such as {"S":"text"}.
type item = map[string]json.RawMessage

// Server is a running stub.
type Server struct {
	// URL is the stub's endpoint, http://127.0.0.1:<port>, for
	// AWS_ENDPOINT_URL.
	URL string

	ln  net.Listener
	srv *http.Server

	mu     sync.Mutex
	calls  map[string]int
	tables map[string]map[string]item // table, then item key
	mail   mailbox
}

// Start starts a stub on a free port of 127.0.0.1.
func Start() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := newServer()
	s.URL = "http://" + ln.Addr().String()
	s.ln = ln
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln)
	return s, nil
}

func newServer() *Server {
	return &Server{
		calls:  map[string]int{},
		tables: map[string]map[string]item{},
		mail:   mailbox{maxSendRate: 14, now: time.Now, sent: map[string]int{}},
	}
}

// Close stops the stub and closes its connections.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		return s.srv.Close()
	}
	return nil
}

// Calls returns how many calls the stub answered, by "Service.Operation",
// such as "DynamoDB.PutItem" or "SES.SendRawEmail".
func (s *Server) Calls() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.calls)
}

// Reset forgets every stored item, so that what one measurement wrote
// does not change what the next one reads. The counts of calls remain.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tables = map[string]map[string]item{}
}

// Env returns the environment variables that point a process's SDK at the
// stub, as Lambda would give a function its region and credentials.
func (s *Server) Env() []string {
	return []string{
		"AWS_ENDPOINT_URL=" + s.URL,
		"AWS_REGION=" + Region,
		"AWS_DEFAULT_REGION=" + Region,
		"AWS_ACCESS_KEY_ID=" + AccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + SecretAccessKey,
		"AWS_SESSION_TOKEN=" + SessionToken,
	}
}

// AWSConfig returns an SDK configuration whose clients call the stub.
func (s *Server) AWSConfig() aws.Config {
	return aws.Config{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, SessionToken),
		BaseEndpoint: aws.String(s.URL),
	}
}

func (s *Server) count(op string) {
	s.mu.Lock()
	s.calls[op]++
	s.mu.Unlock()
}

// ServeHTTP answers one call.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	target := r.Header.Get("X-Amz-Target")
	switch {
	case strings.HasPrefix(target, "DynamoDB_20120810."):
		s.dynamo(w, strings.TrimPrefix(target, "DynamoDB_20120810."), body)
	case strings.HasPrefix(target, "secretsmanager."):
		s.secrets(w, strings.TrimPrefix(target, "secretsmanager."), body)
	case target == "" && r.Method == http.MethodPost:
		s.ses(w, body)
	default:
		s.count("Unsupported." + target)
		jsonError(w, "1.0", "UnknownOperationException", "the stub does not answer "+target)
	}
}

// DynamoDB

// dynamoInput holds the fields of every DynamoDB call the stub answers.
type dynamoInput struct {
	TableName                 string
	Item                      item
	Key                       item
	ReturnValues              string
	UpdateExpression          string
	KeyConditionExpression    string
	ExpressionAttributeNames  map[string]string
	ExpressionAttributeValues item
	Limit                     int
	RequestItems              json.RawMessage
	TransactItems             []struct {
		Put *struct {
			TableName string
			Item      item
		}
	}
}

// errUnsupportedOperation is a DynamoDB operation the stub does not answer.
var errUnsupportedOperation = errors.New("unsupported operation")

func (s *Server) dynamo(w http.ResponseWriter, op string, body []byte) {
	var in dynamoInput
	if err := json.Unmarshal(body, &in); err != nil {
		jsonError(w, "1.0", "SerializationException", err.Error())
		return
	}
	out, err := s.dynamoCall(op, &in)
	switch {
	case errors.Is(err, errUnsupportedOperation):
		s.count("Unsupported.DynamoDB." + op)
		jsonError(w, "1.0", "UnknownOperationException", "the stub does not answer DynamoDB "+op)
		return
	case err != nil:
		jsonError(w, "1.0", "SerializationException", err.Error())
		return
	}
	s.count("DynamoDB." + op)
	writeJSON(w, "1.0", out)
}

// dynamoCall answers one DynamoDB operation.
func (s *Server) dynamoCall(op string, in *dynamoInput) (map[string]any, error) {
	out := map[string]any{}
	switch op {
	case "PutItem":
		if old := s.put(in.TableName, in.Item); old != nil && in.ReturnValues == "ALL_OLD" {
			out["Attributes"] = old
		}
	case "GetItem":
		if it := s.get(in.TableName, in.Key); it != nil {
			out["Item"] = it
		}
	case "UpdateItem":
		if in.ReturnValues != "" && in.ReturnValues != "NONE" {
			out["Attributes"] = s.updated(in)
		}
	case "DeleteItem":
		s.delete(in.TableName, in.Key)
	case "Query", "Scan":
		condition := in.KeyConditionExpression
		if op == "Scan" {
			condition = ""
		}
		items := s.query(in.TableName, condition, in.ExpressionAttributeNames, in.ExpressionAttributeValues, in.Limit)
		out["Items"], out["Count"], out["ScannedCount"] = items, len(items), len(items)
	case "BatchGetItem":
		return s.batchGet(in.RequestItems)
	case "BatchWriteItem":
		return s.batchWrite(in.RequestItems)
	case "TransactWriteItems":
		for _, t := range in.TransactItems {
			if t.Put != nil {
				s.put(t.Put.TableName, t.Put.Item)
			}
		}
	default:
		return nil, errUnsupportedOperation
	}
	return out, nil
}

// updated is what an UpdateItem asked for values returns: the stored item
// for ALL_NEW and ALL_OLD, and each counter the update ADDs to as 1.
func (s *Server) updated(in *dynamoInput) item {
	attrs := item{}
	if in.ReturnValues == "ALL_NEW" || in.ReturnValues == "ALL_OLD" {
		maps.Copy(attrs, s.get(in.TableName, in.Key))
	}
	for _, name := range added(in.UpdateExpression, in.ExpressionAttributeNames) {
		attrs[name] = json.RawMessage(`{"N":"1"}`)
	}
	return attrs
}

func (s *Server) batchGet(requestItems json.RawMessage) (map[string]any, error) {
	var req map[string]struct{ Keys []item }
	if err := json.Unmarshal(requestItems, &req); err != nil {
		return nil, err
	}
	responses := map[string][]item{}
	for table, r := range req {
		responses[table] = []item{}
		for _, k := range r.Keys {
			if it := s.get(table, k); it != nil {
				responses[table] = append(responses[table], it)
			}
		}
	}
	return map[string]any{"Responses": responses, "UnprocessedKeys": map[string]any{}}, nil
}

func (s *Server) batchWrite(requestItems json.RawMessage) (map[string]any, error) {
	var req map[string][]struct {
		PutRequest    *struct{ Item item }
		DeleteRequest *struct{ Key item }
	}
	if err := json.Unmarshal(requestItems, &req); err != nil {
		return nil, err
	}
	for table, writes := range req {
		for _, wr := range writes {
			if wr.PutRequest != nil {
				s.put(table, wr.PutRequest.Item)
			}
			if wr.DeleteRequest != nil {
				s.delete(table, wr.DeleteRequest.Key)
			}
		}
	}
	return map[string]any{"UnprocessedItems": map[string]any{}}, nil
}

// keyOf is the storage key of an item or of a Key: its key attributes'
// values, in their canonical JSON form.
func keyOf(it item) (string, error) {
	var b strings.Builder
	for _, name := range keyAttributes {
		v, err := json.Marshal(it[name])
		if err != nil {
			return "", err
		}
		b.WriteString(name)
		b.WriteByte('=')
		b.Write(v)
		b.WriteByte(0)
	}
	return b.String(), nil
}

func (s *Server) put(table string, it item) item {
	k, err := keyOf(it)
	if err != nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tables[table]
	if t == nil {
		t = map[string]item{}
		s.tables[table] = t
	}
	old := t[k]
	t[k] = it
	return old
}

func (s *Server) get(table string, key item) item {
	k, err := keyOf(key)
	if err != nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tables[table][k]
}

func (s *Server) delete(table string, key item) {
	k, err := keyOf(key)
	if err != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tables[table], k)
}

// query returns the stored items of table that meet the first equality of
// a key condition such as "#status = :status" (an index's partition key;
// any further condition is not applied), or every item when condition is
// empty, at most limit of them when limit is positive.
func (s *Server) query(table, condition string, names map[string]string, values item, limit int) []item {
	var attr string
	var want []byte
	if condition != "" {
		first, _, _ := strings.Cut(condition, " AND ")
		left, right, ok := strings.Cut(first, "=")
		if !ok {
			return nil
		}
		attr = strings.TrimSpace(left)
		if n, ok := names[attr]; ok {
			attr = n
		}
		var err error
		if want, err = json.Marshal(values[strings.TrimSpace(right)]); err != nil {
			return nil
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	items := []item{}
	for _, it := range s.tables[table] {
		if attr != "" {
			got, err := json.Marshal(it[attr])
			if err != nil || string(got) != string(want) {
				continue
			}
		}
		items = append(items, it)
		if limit > 0 && len(items) == limit {
			break
		}
	}
	return items
}

// added returns the attributes an update expression's ADD clause adds to,
// with #names resolved.
func added(expr string, names map[string]string) []string {
	var out []string
	fields := strings.Fields(expr)
	for i := 0; i < len(fields); i++ {
		if !strings.EqualFold(fields[i], "ADD") {
			continue
		}
		// ADD path value[, path value]... up to the next clause.
		for j := i + 1; j+1 < len(fields); j += 2 {
			name := fields[j]
			if n, ok := names[name]; ok {
				name = n
			}
			out = append(out, name)
			if !strings.HasSuffix(fields[j+1], ",") {
				break
			}
		}
	}
	return out
}

// Secrets Manager

func (s *Server) secrets(w http.ResponseWriter, op string, body []byte) {
	if op != "GetSecretValue" {
		s.count("Unsupported.SecretsManager." + op)
		jsonError(w, "1.1", "InvalidRequestException", "the stub does not answer Secrets Manager "+op)
		return
	}
	s.count("SecretsManager." + op)
	var in struct{ SecretId string }
	if err := json.Unmarshal(body, &in); err != nil || in.SecretId == "" {
		jsonError(w, "1.1", "InvalidParameterException", "SecretId is required")
		return
	}
	arn, name := in.SecretId, in.SecretId
	if strings.HasPrefix(arn, "arn:") {
		name = arn[strings.LastIndexByte(arn, ':')+1:]
	} else {
		arn = "arn:aws:secretsmanager:" + Region + ":123456789012:secret:" + name
	}
	writeJSON(w, "1.1", map[string]any{
		"ARN":           arn,
		"Name":          name,
		"SecretString":  Secret,
		"VersionId":     "00000000-0000-4000-8000-000000000001",
		"VersionStages": []string{"AWSCURRENT"},
		"CreatedDate":   1.7e9,
	})
}

// JSON protocols

func writeJSON(w http.ResponseWriter, version string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		jsonError(w, version, "InternalFailure", err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-"+version)
	write(w, http.StatusOK, b)
}

// write sends a response with its Content-Length, as the services do: a
// client then knows where the body ends, reads it to its end and keeps the
// connection, where a chunked body read only up to its last value would
// cost a connection per call, and on occasion a failed read.
func write(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

func jsonError(w http.ResponseWriter, version, code, message string) {
	w.Header().Set("Content-Type", "application/x-amz-json-"+version)
	b, _ := json.Marshal(map[string]string{"__type": code, "message": message})
	write(w, http.StatusBadRequest, b)
}

// ErrUnsupported is reported by Check when the stub was asked for
// something it does not answer.
var ErrUnsupported = errors.New("awsstub: unsupported calls")

// Check returns ErrUnsupported, naming the calls, if any call was one the
// stub does not answer: the measurement that made it is not of the usual
// path.
func (s *Server) Check() error {
	var bad []string
	for op, n := range s.Calls() {
		if strings.HasPrefix(op, "Unsupported") {
			bad = append(bad, fmt.Sprintf("%s ×%d", op, n))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("%w: %s", ErrUnsupported, strings.Join(bad, ", "))
	}
	return nil
}
