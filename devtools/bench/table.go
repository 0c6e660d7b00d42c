package main

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// measure is one row of the table.
type measure struct {
	name  string
	value func(*result) float64
}

var measures = []measure{
	{"bootstrap arm64 raw MB", func(r *result) float64 { return float64(r.rawSize) / 1e6 }},
	{"bootstrap arm64 zipped MB", func(r *result) float64 { return float64(r.zippedSize) / 1e6 }},
	{"init to ready median ms", func(r *result) float64 { return ms(percentile(r.inits, 50)) }},
	{"warm latency median ms", func(r *result) float64 { return ms(percentile(r.latencies, 50)) }},
	{"warm latency p99 ms", func(r *result) float64 { return ms(percentile(r.latencies, 99)) }},
	{"CPU per invocation ms", func(r *result) float64 { return ms(r.cpu) / float64(r.invocations) }},
	{"AWS calls per invocation", func(r *result) float64 {
		n := 0
		for _, c := range r.calls {
			n += c
		}
		return float64(n) / float64(r.invocations)
	}},
	{"peak RSS MB", func(r *result) float64 { return float64(r.peakRSS) / 1e6 }},
}

// table is the markdown table of every measure of every program, the
// floor first; each function's figure is followed by its ratio to the
// floor's, where the floor's is not zero.
func table(progs []program, results map[string]*result) string {
	var b strings.Builder
	b.WriteString("| measure |")
	for _, p := range progs {
		b.WriteString(" " + p.name + " |")
	}
	b.WriteString("\n|---|")
	b.WriteString(strings.Repeat("---:|", len(progs)))
	b.WriteString("\n")
	floor := results[progs[0].name]
	for _, m := range measures {
		base := m.value(floor)
		b.WriteString("| " + m.name + " |")
		for _, p := range progs {
			v := m.value(results[p.name])
			cell := formatNumber(v)
			if base > 0 {
				cell += fmt.Sprintf(" (%.1fx)", v/base)
			}
			b.WriteString(" " + cell + " |")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// formatNumber shows three significant digits or so, and whole numbers
// from 100 up.
func formatNumber(v float64) string {
	switch a := math.Abs(v); {
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	case a >= 1 || a == 0:
		return fmt.Sprintf("%.2f", v)
	default:
		return fmt.Sprintf("%.3f", v)
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// percentile returns the p-th percentile of ds by the nearest-rank
// method: the smallest value at least p percent of them do not exceed.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	sorted := slices.Clone(ds)
	slices.Sort(sorted)
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[max(rank, 1)-1]
}
