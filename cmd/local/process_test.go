package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/local/localstore"
	"example.com/appointments/internal/testing/storetest"

	"example.com/appointments/internal/testing/process"
)

// These tests run the local server as `make run` does, as its own process,
// to show what only a process can: a second server on the same folder, a
// damaged database, and a server killed without warning.

// asServer is set in the environment of a test binary started to be the
// local server rather than to run tests.
const asServer = "LOCAL_SERVER_TEST_PROCESS"

// TestMain runs main, the local server as make run starts it, when the
// test binary was started as the server: the tests get a process of the
// server's own without building another binary.
func TestMain(m *testing.M) {
	if os.Getenv(asServer) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// serverCommand is the local server's command line with args: this test
// binary, started as the server.
func serverCommand(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), asServer+"=1")
	return cmd
}

// server is one running local server process.
type server struct {
	cmd    *exec.Cmd
	origin string
	stderr *process.Output
	exited chan error
}

// runServer starts the local server on dir and a free port, with no AWS
// endpoint, so that it uses the embedded database.
func runServer(t *testing.T, dir string) *server {
	t.Helper()
	p, err := process.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(p)
	cmd := serverCommand("-data", dir, "-template", filepath.Join("..", "..", "template.yaml"))
	cmd.Env = append(cmd.Env, "PORT="+port, "AWS_ENDPOINT_URL=")
	s := &server{cmd: cmd, origin: "http://127.0.0.1:" + port, stderr: new(process.Output), exited: make(chan error, 1)}
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-s.exited
		s.exited <- nil
	})
	return s
}

// ready waits until the server answers, for at most 20 seconds.
func (s *server) ready(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-s.exited:
			s.exited <- err
			t.Fatalf("server exited: %v\n%s", err, s.stderr)
		default:
		}
		if resp, err := http.Get(s.origin + "/"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("server not ready after 20 s\n%s", s.stderr)
}

// exit waits for the server to stop by itself, for at most 10 seconds.
func (s *server) exit(t *testing.T) error {
	t.Helper()
	select {
	case err := <-s.exited:
		s.exited <- err
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("server still running after 10 s")
		return nil
	}
}

func (s *server) post(t *testing.T, n int) (int, string) {
	t.Helper()
	body := fmt.Sprintf(`{"firstName":"Jordan","lastName":"Rivera","email":"patient%d@example.com","phone":"(303) 555-0142",`+
		`"service":"dry-needling","preferredDays":["mon"],"consent":true}`, n)
	req, _ := http.NewRequest(http.MethodPost, s.origin+"/appointments", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", s.origin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	ref := regexp.MustCompile(`"reference":"([^"]+)"`).FindSubmatch(b)
	if ref == nil {
		return resp.StatusCode, ""
	}
	return resp.StatusCode, string(ref[1])
}

func (s *server) get(t *testing.T, path string) string {
	t.Helper()
	resp, err := http.Get(s.origin + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return string(b)
}

// TestSecondServerOnTheSameFolderStops: a second server on a folder in use
// stops at once, saying which folder and how to pick another, and the
// first goes on storing requests.
func TestSecondServerOnTheSameFolderStops(t *testing.T) {
	dir := t.TempDir()
	first := runServer(t, dir)
	first.ready(t)

	second := runServer(t, dir)
	err := second.exit(t)
	if err == nil {
		t.Fatal("the second server exited cleanly; want a failure")
	}
	msg := second.stderr.String()
	for _, want := range []string{dir, "-data", "Another local server is using the data folder"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the second server's message lacks %q:\n%s", want, msg)
		}
	}
	if code, ref := first.post(t, 1); code != http.StatusCreated || !strings.Contains(first.get(t, "/_dev/requests"), ref) {
		t.Errorf("the first server after the second tried: %d, request stored: %v", code, ref != "")
	}
}

// TestDamagedDatabaseStopsTheServer: a database that cannot be read stops
// the server with a message naming the file and what to do, and the file
// is left as it was.
func TestDamagedDatabaseStopsTheServer(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, localstore.FileName)
	damaged := bytes.Repeat([]byte("not a database "), 1000)
	if err := os.WriteFile(path, damaged, 0o600); err != nil {
		t.Fatal(err)
	}
	s := runServer(t, dir)
	if err := s.exit(t); err == nil {
		t.Fatal("the server started on a damaged database")
	}
	msg := s.stderr.String()
	for _, want := range []string{path, "damaged", "mv " + path} {
		if !strings.Contains(msg, want) {
			t.Errorf("the message lacks %q:\n%s", want, msg)
		}
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, damaged) {
		t.Error("the damaged file was changed")
	}
}

// TestDamagedDataPageStopsTheServer: a database whose meta pages are
// sound but one of whose data pages is damaged stops the server with the
// same message, never a crash: bbolt would find the damage while
// rebuilding its list of free pages, in a goroutine where a panic ends the
// process.
func TestDamagedDataPageStopsTheServer(t *testing.T) {
	dir := t.TempDir()
	store, err := localstore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 60 {
		r := storetest.Request(strings.Repeat("history ", 40)+fmt.Sprint(i), storetest.T0)
		if _, err := store.Create(context.Background(), r, appointment.Dedupe{Fingerprint: r.Fingerprint()}); err != nil {
			t.Fatal(err)
		}
	}
	store.Close()

	// The root page of the requests, where bbolt finds it.
	path := filepath.Join(dir, localstore.FileName)
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var root int64
	pageSize := int64(db.Info().PageSize)
	_ = db.View(func(tx *bolt.Tx) error {
		root = int64(tx.Bucket([]byte("requests")).Root())
		return nil
	})
	db.Close()
	if root == 0 {
		t.Fatal("the requests fit inline in their bucket; store more")
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(make([]byte, pageSize), root*pageSize); err != nil {
		t.Fatal(err)
	}
	f.Close()
	damaged, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	s := runServer(t, dir)
	err = s.exit(t)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Errorf("the server exited with %v, want exit status 1", err)
	}
	msg := s.stderr.String()
	for _, want := range []string{path, "damaged", "mv " + path} {
		if !strings.Contains(msg, want) {
			t.Errorf("the message lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "panic") || strings.Contains(msg, "goroutine") {
		t.Errorf("the server crashed:\n%s", msg)
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, damaged) {
		t.Error("the damaged file was changed")
	}
}

// TestAcceptedRequestsSurviveKill: requests the server answered 201 are
// all there after it is killed without warning, and once another server
// on the same folder has caught up, each has exactly its two emails, even
// those whose emails were in flight at the kill.
func TestAcceptedRequestsSurviveKill(t *testing.T) {
	dir := t.TempDir()
	first := runServer(t, dir)
	first.ready(t)

	const n = 24
	refs := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, ref := first.post(t, i)
			if code != http.StatusCreated {
				t.Errorf("request %d: %d", i, code)
			}
			refs[i] = ref
		}()
	}
	wg.Wait()
	if err := first.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	first.exit(t)

	second := runServer(t, dir)
	second.ready(t)
	deadline := time.Now().Add(30 * time.Second)
	for strings.Count(second.get(t, "/_dev/requests"), `class="sent"`) < 2*n {
		if time.Now().After(deadline) {
			t.Fatalf("emails not all sent 30 s after the restart:\n%s", second.stderr)
		}
		time.Sleep(100 * time.Millisecond)
	}
	requests := second.get(t, "/_dev/requests")
	for i, ref := range refs {
		if ref == "" || !strings.Contains(requests, ref) {
			t.Errorf("request %d (%q), answered 201, is missing after the kill", i, ref)
		}
	}

	// Every email in the outbox, page by page.
	subjects := map[string]int{}
	total := 0
	subject := regexp.MustCompile(`<h2>([^<]*)</h2>`)
	older := regexp.MustCompile(`href="/_dev/outbox\?before=(\d+)"`)
	path := "/_dev/outbox"
	for page := 0; page < 20 && path != ""; page++ {
		body := second.get(t, path)
		for _, m := range subject.FindAllStringSubmatch(body, -1) {
			subjects[m[1]]++
			total++
		}
		path = ""
		if m := older.FindStringSubmatch(body); m != nil {
			path = "/_dev/outbox?before=" + m[1]
		}
	}
	if total != 2*n {
		t.Errorf("the outbox holds %d emails, want %d", total, 2*n)
	}
	for _, ref := range refs {
		found := 0
		for s, count := range subjects {
			if strings.Contains(s, ref) {
				found += count
			}
		}
		if found != 1 {
			t.Errorf("front-desk emails for %s: %d, want 1", ref, found)
		}
	}
}
