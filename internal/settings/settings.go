// Package settings reads the values of the functions' environment
// variables. The functions' main packages read the environment itself, once,
// and pass the strings here.
package settings

import (
	"fmt"
	"strconv"
	"strings"
)

// List splits a comma-separated setting, dropping spaces and empty entries.
func List(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Count reads a whole number that is zero or more, or returns fallback when
// the setting is empty.
func Count(name, s string, fallback int) (int, error) {
	if s == "" {
		return fallback, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s must be a whole number, not %q", name, s)
	}
	return n, nil
}
