package httpapi

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"example.com/appointments/internal/problem"
)

// TestProblemsDocumented keeps docs/api.md's table of errors true: every
// problem code the handler can answer is listed with its status, and the
// table lists no other.
func TestProblemsDocumented(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "api.md"))
	if err != nil {
		t.Fatal(err)
	}
	rows := regexp.MustCompile("(?m)^\\| (\\d{3}) \\| `([a-z_]+)` \\|").FindAllStringSubmatch(string(b), -1)
	documented := map[string]int{}
	for _, row := range rows {
		status, _ := strconv.Atoi(row[1])
		documented[row[2]] = status
	}
	for code := range details {
		if status, ok := documented[code]; !ok || status != problem.Status(code) {
			t.Errorf("docs/api.md lists %s with status %d, want %d", code, status, problem.Status(code))
		}
	}
	for code := range documented {
		if _, ok := details[code]; !ok {
			t.Errorf("docs/api.md lists %s, which the handler never answers", code)
		}
	}
}
