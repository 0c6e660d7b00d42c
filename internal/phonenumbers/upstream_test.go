package phonenumbers

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// upstreamModule is the published library this package is derived from; the
// version is the one go.mod pins.
const upstreamModule = "github.com/nyaruka/phonenumbers"

// TestMain checks, before any test can touch the metadata, that importing
// the package did no work: the metadata is read on first use, not at start.
func TestMain(m *testing.M) {
	if currentMetadata != nil {
		os.Stderr.WriteString("the metadata was loaded during package initialization\n")
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// TestSameDataAsUpstream fails when the embedded metadata differs from the
// pinned upstream module's, such as after go.mod moves to a newer version:
// copy data/countrycode_to_region.xml.gz and the uncompressed
// data/metadata.xml.gz (as data/metadata.pb) from the new version.
func TestSameDataAsUpstream(t *testing.T) {
	dir := upstreamDir(t)
	regions, err := os.ReadFile(filepath.Join(dir, "data", "countrycode_to_region.xml.gz"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(regions, regionData) {
		t.Error("data/countrycode_to_region.xml.gz differs from the upstream module's")
	}
	compressed, err := os.ReadFile(filepath.Join(dir, "data", "metadata.xml.gz"))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(compressed))
	if err != nil {
		t.Fatal(err)
	}
	want, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want, numberData) {
		t.Error("data/metadata.pb is not the upstream module's data/metadata.xml.gz, uncompressed")
	}
}

// reference is what the upstream library answered, from the reference
// program.
type reference struct {
	Regions []string `json:"regions"`
	Codes   []int    `json:"codes"`
	Cases   []struct {
		Input  string `json:"input"`
		Region string `json:"region"`

		Err           bool   `json:"err"`
		Valid         bool   `json:"valid"`
		Possible      bool   `json:"possible"`
		Type          int    `json:"type"`
		NumberRegion  string `json:"numberRegion"`
		E164          string `json:"e164"`
		National      string `json:"national"`
		International string `json:"international"`
		Extension     string `json:"extension"`
	} `json:"cases"`
}

// TestSameAnswersAsUpstream parses every input of the reference corpus (the
// example number of every type in every region, in every format and changed
// by a digit, and inputs that exercise parsing) and expects exactly the
// upstream library's answers.
func TestSameAnswersAsUpstream(t *testing.T) {
	ref := runReference(t)
	if len(ref.Cases) < 10000 {
		t.Fatalf("the reference corpus has %d cases; expected the whole corpus", len(ref.Cases))
	}
	var supported []string
	for r := range GetSupportedRegions() {
		supported = append(supported, r)
	}
	if len(supported) != len(ref.Regions) {
		t.Errorf("%d supported regions, upstream has %d", len(supported), len(ref.Regions))
	}
	for _, r := range ref.Regions {
		if !GetSupportedRegions()[r] {
			t.Errorf("region %s is not supported", r)
		}
	}
	for _, c := range ref.Codes {
		if !GetSupportedGlobalNetworkCallingCodes()[c] {
			t.Errorf("global network calling code %d is not supported", c)
		}
	}
	valid := 0
	for _, c := range ref.Cases {
		n, err := Parse(c.Input, c.Region)
		if (err != nil) != c.Err {
			t.Errorf("Parse(%q, %s): error %v, upstream error %v", c.Input, c.Region, err, c.Err)
			continue
		}
		if err != nil {
			continue
		}
		got := []any{IsValidNumber(n), IsPossibleNumber(n), int(GetNumberType(n)), GetRegionCodeForNumber(n),
			Format(n, E164), Format(n, NATIONAL), Format(n, INTERNATIONAL), n.GetExtension()}
		want := []any{c.Valid, c.Possible, c.Type, c.NumberRegion, c.E164, c.National, c.International, c.Extension}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%q in %s: answer %d is %v, upstream %v", c.Input, c.Region, i, got[i], want[i])
				break
			}
		}
		if c.Valid {
			valid++
		}
	}
	if valid < len(ref.Cases)/3 {
		t.Errorf("only %d of %d cases are valid numbers: the corpus no longer covers the example numbers", valid, len(ref.Cases))
	}
}

// TestSameMetadataAsUpstream decodes the metadata of every region and
// expects exactly what the upstream library decodes from the same data with
// the protocol buffer runtime: every field of every region, compared as
// JSON with the generated types' field names.
func TestSameMetadataAsUpstream(t *testing.T) {
	want := runReferenceArgs(t, "metadata")
	coll, err := MetadataCollection()
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(coll)
	if err != nil {
		t.Fatal(err)
	}
	if len(coll.Metadata) < 240 {
		t.Fatalf("%d regions decoded", len(coll.Metadata))
	}
	if !bytes.Equal(bytes.TrimSpace(want), got) {
		var w, g []json.RawMessage
		var wc, gc struct{ Metadata []json.RawMessage }
		_ = json.Unmarshal(want, &wc)
		_ = json.Unmarshal(got, &gc)
		w, g = wc.Metadata, gc.Metadata
		for i := range min(len(w), len(g)) {
			if !bytes.Equal(w[i], g[i]) {
				t.Fatalf("region %d decodes differently:\n got %s\nwant %s", i, g[i], w[i])
			}
		}
		t.Fatalf("%d regions decoded, upstream %d", len(g), len(w))
	}
}

// TestConcurrentFirstUse decodes regions from many goroutines at once, as
// concurrent requests of one process would; the race detector watches.
func TestConcurrentFirstUse(t *testing.T) {
	inputs := []struct{ number, region string }{
		{"+1 415 555 2671", "US"}, {"020 7946 0958", "GB"}, {"+33 1 42 68 53 00", "FR"},
		{"+49 30 901820", "DE"}, {"+61 2 9374 4000", "AU"}, {"+800 1234 5678", "US"},
	}
	var wg sync.WaitGroup
	for i := range 24 {
		in := inputs[i%len(inputs)]
		wg.Go(func() {
			n, err := Parse(in.number, in.region)
			if err != nil || !IsValidNumber(n) {
				t.Errorf("%s in %s: err %v, valid %v", in.number, in.region, err, err == nil && IsValidNumber(n))
			}
		})
	}
	wg.Wait()
}

// runReference runs the reference program, built against the pinned
// upstream module, and decodes its answers.
func runReference(t *testing.T) reference {
	t.Helper()
	out := runReferenceArgs(t)
	var ref reference
	if err := json.Unmarshal(out, &ref); err != nil {
		t.Fatal(err)
	}
	return ref
}

// runReferenceArgs runs the reference program with args and returns what
// it printed.
func runReferenceArgs(t *testing.T, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", append([]string{"run", "./internal/reference"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("reference program: %v\n%s", err, stderr.String())
	}
	return out
}

// upstreamDir is the directory of the pinned upstream module.
func upstreamDir(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "mod", "download", "-json", upstreamModule).Output()
	if err != nil {
		t.Fatalf("go mod download %s: %v", upstreamModule, err)
	}
	var m struct{ Dir string }
	if err := json.Unmarshal(out, &m); err != nil || m.Dir == "" {
		t.Fatalf("go mod download %s: %s", upstreamModule, strings.TrimSpace(string(out)))
	}
	return m.Dir
}
