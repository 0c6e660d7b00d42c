package devserver

import (
	"encoding/binary"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	sesapi "github.com/aws/aws-sdk-go-v2/service/ses"
	bolt "go.etcd.io/bbolt"

	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/dynamo"
	"example.com/appointments/internal/local/dynamostreams"
	"example.com/appointments/internal/local/localstore"
	"example.com/appointments/internal/ses"
	"example.com/appointments/internal/testing/mototest"
)

// bookableDay returns 9:30 AM, clinic time, on a day about a week ahead
// when the clinic is open from then for an hour, so that a test's booking
// lies within the opening hours whichever day the test runs.
func bookableDay(t *testing.T) time.Time {
	t.Helper()
	p, err := clinic.Default()
	if err != nil {
		t.Fatal(err)
	}
	day := time.Now().In(p.Zone()).AddDate(0, 0, 7)
	for range 7 {
		start := time.Date(day.Year(), day.Month(), day.Day(), 9, 30, 0, 0, p.Zone())
		if p.OpenThroughout(start, start.Add(time.Hour)) {
			return start
		}
		day = day.AddDate(0, 0, 1)
	}
	t.Fatal("the clinic is open at 9:30 for an hour on no day of the week")
	return time.Time{}
}

const jsonBody = `{"firstName":"Jordan","lastName":"Rivera","email":"jordan@example.com","phone":"(303) 555-0142",` +
	`"service":"dry-needling","preferredDays":["mon"],"consent":true}`

// start runs a server over httptest, with the given options completed.
func start(t *testing.T, opts Options) *httptest.Server {
	t.Helper()
	ts, _ := startStoppable(t, opts)
	return ts
}

// startStoppable is start that also returns a function stopping the server
// and closing its database, so that another can open the same folder.
func startStoppable(t *testing.T, opts Options) (*httptest.Server, func()) {
	t.Helper()
	ts, srv := startServer(t, opts)
	return ts, func() {
		ts.Close()
		srv.Close()
	}
}

// postJSON posts body to the server's API as the demo form's script does,
// from the server's own origin.
func postJSON(t *testing.T, ts *httptest.Server, body io.Reader) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/appointments", body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", ts.URL)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func submitJSON(t *testing.T, ts *httptest.Server, body string) map[string]string {
	t.Helper()
	resp := postJSON(t, ts, strings.NewReader(body))
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /appointments: %d %s", resp.StatusCode, b)
	}
	var out map[string]string
	_ = json.Unmarshal(b, &out)
	return out
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return string(b)
}

// waitFor polls until cond holds, for at most 15 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestSubmissionIsEmailedOnce: a request posted to the local API reaches
// the outbox as exactly two emails, and the requests page shows both sent;
// after a restart on the same folder the request is still there and nothing
// is sent again.
func TestSubmissionIsEmailedOnce(t *testing.T) {
	dir := t.TempDir()
	ts, stop := startStoppable(t, Options{Dir: dir})
	receipt := submitJSON(t, ts, jsonBody)

	waitFor(t, "both emails sent", func() bool {
		return strings.Count(get(t, ts.URL+"/_dev/requests"), `class="sent"`) == 2
	})
	outbox := get(t, ts.URL+"/_dev/outbox")
	if n := strings.Count(outbox, "<article"); n != 2 {
		t.Fatalf("outbox has %d emails, want 2", n)
	}
	for _, want := range []string{"We received your appointment request", "New appointment request " + receipt["reference"], "jordan@example.com", "frontdesk@example.com", "<iframe sandbox"} {
		if !strings.Contains(outbox, want) {
			t.Errorf("outbox lacks %q", want)
		}
	}
	id := outbox[strings.Index(outbox, `src="/_dev/outbox/`)+len(`src="/_dev/outbox/`):]
	id = id[:strings.Index(id, "/html")]
	resp, err := http.Get(ts.URL + "/_dev/outbox/" + id + "/html")
	if err != nil {
		t.Fatal(err)
	}
	html, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(resp.Header.Get("Content-Security-Policy"), "sandbox") || !strings.Contains(string(html), "</html>") {
		t.Errorf("email HTML served without its sandbox: %q", resp.Header.Get("Content-Security-Policy"))
	}
	if resp, _ := http.Get(ts.URL + "/_dev/outbox/..%2fappointments.db/html"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("outbox served a path outside it: %d", resp.StatusCode)
	}

	stop()
	again := start(t, Options{Dir: dir})
	requests := get(t, again.URL+"/_dev/requests")
	if !strings.Contains(requests, receipt["reference"]) {
		t.Fatal("request lost across a restart")
	}
	// The restarted server resumes its change log where the first one
	// stopped, so nothing is sent again.
	time.Sleep(2 * pumpInterval)
	if n := strings.Count(get(t, again.URL+"/_dev/outbox"), "<article"); n != 2 {
		t.Errorf("outbox has %d emails after a restart, want still 2", n)
	}
}

// TestHoneypotMeetsTheAddressLimit reproduces a tell of the honeypot on
// the local server: 22 caught submissions naming one address were all
// answered 201, where real ones got 429 from the 21st on (the local limit
// is 20 a day per address). Caught ones now meet the limit at the same
// point, the real request after them does too, and nothing is stored or
// sent.
func TestHoneypotMeetsTheAddressLimit(t *testing.T) {
	ts := start(t, Options{})
	post := func(body string) int {
		t.Helper()
		resp := postJSON(t, ts, strings.NewReader(body))
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	victim := strings.Replace(jsonBody, "jordan@example.com", "victim@example.com", 1)
	for i := range 22 {
		body := strings.Replace(victim, `"firstName":"Jordan"`, `"firstName":"Name`+string(rune('a'+i))+`"`, 1)
		body = strings.Replace(body, `"consent":true`, `"consent":true,"_gotcha":"http://spam.example"`, 1)
		want := http.StatusCreated
		if i >= 20 {
			want = http.StatusTooManyRequests
		}
		if got := post(body); got != want {
			t.Fatalf("caught submission %d: status %d, want %d", i+1, got, want)
		}
	}
	if got := post(victim); got != http.StatusTooManyRequests {
		t.Errorf("a real request after them: status %d, want 429", got)
	}
	if page := get(t, ts.URL+"/_dev/requests"); !strings.Contains(page, "No requests yet.") {
		t.Error("a request was stored")
	}
	if n := strings.Count(get(t, ts.URL+"/_dev/outbox"), "<article"); n != 0 {
		t.Errorf("outbox has %d emails, want none", n)
	}
}

func TestFormPostRedirectsToThankYou(t *testing.T) {
	ts := start(t, Options{})
	form := url.Values{"firstName": {"Sam"}, "lastName": {"Lee"}, "email": {"sam@example.com"}, "phone": {"3035550199"},
		"service": {"evaluation"}, "consent": {"on"}}
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/appointments", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", ts.URL)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, ts.URL+"/thank-you?reference=") {
		t.Errorf("form post: %d to %q", resp.StatusCode, loc)
	}
}

// emulatedAWS starts moto with the table template.yaml defines and the
// sender verified, and returns it with the backend that stores, streams and
// sends there, as `make run` does with AWS_ENDPOINT_URL set.
func emulatedAWS(t *testing.T) (*mototest.Server, *Backend) {
	t.Helper()
	moto := mototest.Start(t)
	cfg := moto.AWSConfig()
	streamARN := moto.CreateRequestsTable(t, "local")
	moto.PrepareSES(t, "appointments@example.com", "")
	return moto, &Backend{
		Store:  dynamo.New(dynamodb.NewFromConfig(cfg), "local", 365),
		Stream: dynamostreams.NewReader(dynamodbstreams.NewFromConfig(cfg), streamARN),
		Sender: ses.New(sesapi.NewFromConfig(cfg), ""),
	}
}

// TestAgainstEmulatedAWS runs the server on DynamoDB and SES at moto's
// endpoint instead of the embedded store, as `make run` does with
// AWS_ENDPOINT_URL set.
func TestAgainstEmulatedAWS(t *testing.T) {
	moto, backend := emulatedAWS(t)
	ts := start(t, Options{Backend: backend})
	receipt := submitJSON(t, ts, jsonBody)
	waitFor(t, "both emails sent", func() bool {
		return strings.Count(get(t, ts.URL+"/_dev/requests"), `class="sent"`) == 2
	})
	if got := len(moto.RawEmails(t)); got != 2 {
		t.Errorf("%d emails at SES, want 2", got)
	}
	outbox := get(t, ts.URL+"/_dev/outbox")
	if strings.Count(outbox, "<article") != 2 || !strings.Contains(outbox, receipt["reference"]) {
		t.Errorf("outbox does not show the two emails sent through SES")
	}
	// A request the front desk has answered is still one it acts on: the
	// requests page lists it from the status index under its new state.
	m := regexp.MustCompile(`href="(/manage/contact/[A-Za-z0-9_-]+)"`).FindStringSubmatch(get(t, ts.URL+"/_dev/requests"))
	if m == nil {
		t.Fatal("the requests page offers no contact link")
	}
	resp, err := http.Post(ts.URL+m[1], "application/x-www-form-urlencoded", strings.NewReader(""))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if requests := get(t, ts.URL+"/_dev/requests"); !strings.Contains(requests, `<span class="state">contacted</span>`) || !strings.Contains(requests, receipt["reference"]) {
		t.Errorf("the requests page no longer lists the contacted request:\n%s", requests)
	}
}

// TestPagesShowBadEntries: one unreadable request and one unreadable email
// in the database are shown as such, and the rest of each page still
// shows; older entries are a page away, newest first.
func TestPagesShowBadEntries(t *testing.T) {
	dir := t.TempDir()
	ts, stop := startStoppable(t, Options{Dir: dir})
	first := submitJSON(t, ts, jsonBody)
	waitFor(t, "both emails sent", func() bool {
		return strings.Count(get(t, ts.URL+"/_dev/requests"), `class="sent"`) == 2
	})
	second := submitJSON(t, ts, strings.Replace(jsonBody, "jordan@", "sam@", 1))
	stop()

	// Damage the first request and the first email where they are stored.
	db, err := bolt.Open(filepath.Join(dir, localstore.FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket([]byte("requests")).Put([]byte(first["id"]), []byte("{damaged")); err != nil {
			return err
		}
		return tx.Bucket([]byte("outbox")).Put(binary.BigEndian.AppendUint64(nil, 1), []byte("{damaged"))
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	again := start(t, Options{Dir: dir})
	requests := get(t, again.URL+"/_dev/requests")
	if !strings.Contains(requests, "Unreadable request") || !strings.Contains(requests, first["id"]) || !strings.Contains(requests, second["reference"]) {
		t.Errorf("the requests page does not show the bad entry beside the good one:\n%s", requests)
	}
	if strings.Index(requests, second["reference"]) > strings.Index(requests, first["id"]) {
		t.Error("the requests page is not newest first")
	}
	outbox := get(t, again.URL+"/_dev/outbox")
	if !strings.Contains(outbox, "Unreadable email 1") || strings.Count(outbox, "<article") < 2 {
		t.Errorf("the outbox does not show the bad entry beside the good ones:\n%s", outbox)
	}
	if resp, _ := http.Get(again.URL + "/_dev/outbox/1/html"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("the bad email's HTML: %d", resp.StatusCode)
	}
}

// TestActionLinksWorkLocally: the requests page offers the actions a
// request allows; following one shows its page without changing anything,
// and sending its form changes the state the requests page shows, with
// the change in its history.
func TestActionLinksWorkLocally(t *testing.T) {
	ts := start(t, Options{})
	receipt := submitJSON(t, ts, jsonBody)
	requests := get(t, ts.URL+"/_dev/requests")
	m := regexp.MustCompile(`href="(/manage/contact/[A-Za-z0-9_-]+)"`).FindStringSubmatch(requests)
	if m == nil || !strings.Contains(requests, "/manage/cancel/") || !strings.Contains(requests, `<span class="state">received</span>`) {
		t.Fatalf("the requests page offers no action links:\n%s", requests)
	}
	page := get(t, ts.URL+m[1])
	if !strings.Contains(page, receipt["reference"]) || !strings.Contains(page, "Mark as contacted") {
		t.Fatalf("the contact page:\n%s", page)
	}
	if !strings.Contains(get(t, ts.URL+"/_dev/requests"), `<span class="state">received</span>`) {
		t.Fatal("opening the link changed the request")
	}
	req, _ := http.NewRequest(http.MethodPost, ts.URL+m[1], strings.NewReader(""))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Done. Marked as contacted") {
		t.Fatalf("after posting: %d\n%s", resp.StatusCode, body)
	}
	requests = get(t, ts.URL+"/_dev/requests")
	if !strings.Contains(requests, `<span class="state">contacted</span>`) || !strings.Contains(requests, "contact by frontDesk") || strings.Contains(requests, "/manage/contact/") {
		t.Errorf("the requests page after the action:\n%s", requests)
	}
}

// TestEmailLinksWorkLocally: the links in the outbox's emails lead to this
// server's action pages; scheduling from the front desk's email sends the
// patient the booking with its invitation, and cancelling from that email
// tells the front desk.
func TestEmailLinksWorkLocally(t *testing.T) {
	ts := start(t, Options{})
	receipt := submitJSON(t, ts, jsonBody)
	waitFor(t, "both emails sent", func() bool {
		return strings.Count(get(t, ts.URL+"/_dev/requests"), `class="sent"`) == 2
	})
	link := regexp.MustCompile(regexp.QuoteMeta(ts.URL) + `/manage/(schedule|cancel)/[A-Za-z0-9_-]+`)
	links := map[string]string{}
	for _, m := range link.FindAllStringSubmatch(get(t, ts.URL+"/_dev/outbox"), -1) {
		links[m[1]] = m[0]
	}
	if links["schedule"] == "" || links["cancel"] == "" {
		t.Fatalf("the outbox's emails carry no schedule and cancel links: %v", links)
	}
	post := func(u string, form url.Values) {
		t.Helper()
		resp, err := http.PostForm(u, form)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Done.") {
			t.Fatalf("POST %s: %d\n%s", u, resp.StatusCode, body)
		}
	}
	post(links["schedule"], url.Values{"date": {bookableDay(t).Format("2006-01-02")}, "time": {"09:30"}, "minutes": {"45"}})
	waitFor(t, "the booking email", func() bool { return strings.Contains(get(t, ts.URL+"/_dev/outbox"), "Your appointment is booked") })
	post(links["cancel"], url.Values{})
	waitFor(t, "the cancel notice and the cancellation", func() bool {
		outbox := get(t, ts.URL+"/_dev/outbox")
		return strings.Contains(outbox, "Cancelled by the patient: "+receipt["reference"]) && strings.Contains(outbox, "is cancelled") &&
			strings.Contains(outbox, "Cancelled: "+receipt["reference"]+",")
	})
	if n := strings.Count(get(t, ts.URL+"/_dev/outbox"), "<article"); n != 7 {
		t.Errorf("the outbox holds %d emails, want 7: confirmation, notification, booking and the front desk's copy, cancel notice, cancellation and the copy's", n)
	}
}
