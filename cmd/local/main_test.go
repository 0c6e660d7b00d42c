package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/config"
	"example.com/appointments/internal/dynamo"
	"example.com/appointments/internal/testing/mototest"
	"example.com/appointments/internal/testing/storetest"
)

// TestEmulatedAWSCreatesTableFromTemplate: pointed at an emulator, the
// local server creates the table template.yaml defines, with its index and
// stream, and stores requests in it; a second start finds the table.
func TestEmulatedAWSCreatesTableFromTemplate(t *testing.T) {
	moto := mototest.Start(t)
	for _, kv := range moto.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	t.Setenv("TABLE_NAME", "local-test")
	template := filepath.Join("..", "..", "template.yaml")
	ctx := context.Background()
	cfg, err := config.ReadLocal(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}

	backend, err := emulatedAWS(ctx, template, cfg)
	if err != nil {
		t.Fatal(err)
	}
	desc, err := dynamodb.NewFromConfig(moto.AWSConfig()).DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("local-test")})
	if err != nil {
		t.Fatal(err)
	}
	var indexes []string
	for _, i := range desc.Table.GlobalSecondaryIndexes {
		indexes = append(indexes, *i.IndexName)
	}
	slices.Sort(indexes)
	if !slices.Equal(indexes, []string{"ByAppointment", "ByStatus"}) || desc.Table.LatestStreamArn == nil {
		t.Errorf("table has indexes %v and stream %v, want the ByAppointment and ByStatus indexes and a stream", indexes, desc.Table.LatestStreamArn)
	}
	r := storetest.Request("x", storetest.T0)
	if _, err := backend.Store.Create(ctx, r, appointment.Dedupe{Fingerprint: r.Fingerprint()}); err != nil {
		t.Fatal(err)
	}
	recs, err := backend.Stream.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	inserted := 0
	for _, rec := range recs {
		if rec.EventName == "INSERT" && dynamo.IsRequest(rec.Change.NewImage) {
			inserted++
		}
	}
	if inserted != 1 {
		t.Errorf("stream has %d request INSERTs in %d records, want 1", inserted, len(recs))
	}
	if _, err := emulatedAWS(ctx, template, cfg); err != nil {
		t.Errorf("second start on the existing table: %v", err)
	}
}

// TestSlowBodyIsCutOff: a request whose body trickles in is cut off when
// the read timeout ends, instead of holding its connection.
func TestSlowBodyIsCutOff(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := newHTTPServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
	}), 300*time.Millisecond)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "POST /appointments HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\nfirstName=A"); err != nil {
		t.Fatal(err)
	}
	// The server must close the connection well before this deadline.
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	_, err = io.Copy(io.Discard, conn)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("connection still open after %v", time.Since(start))
	}
}
