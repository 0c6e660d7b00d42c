package clinic

import (
	"testing"
	"time"
)

func TestReplyBy(t *testing.T) {
	p := mustDefault(t)
	denver := p.Zone()
	at := func(year int, month time.Month, day, hour, minute int) time.Time {
		return time.Date(year, month, day, hour, minute, 0, 0, denver)
	}
	// The default hours: Monday to Thursday 7:00-19:00, Friday 7:00-17:00,
	// Saturday 8:00-12:00, closed on Sunday.
	tests := []struct {
		name   string
		from   time.Time
		within time.Duration
		want   time.Time
	}{
		{"weekday morning", at(2026, 11, 23, 9, 30), 24 * time.Hour, at(2026, 11, 25, 9, 30)},
		{"before opening", at(2026, 11, 24, 5, 0), 24 * time.Hour, at(2026, 11, 25, 19, 0)},
		{"at closing", at(2026, 11, 23, 19, 0), 24 * time.Hour, at(2026, 11, 25, 19, 0)},
		{"late evening", at(2026, 11, 24, 22, 0), 24 * time.Hour, at(2026, 11, 26, 19, 0)},
		{"within the same day", at(2026, 11, 23, 9, 0), 2 * time.Hour, at(2026, 11, 23, 11, 0)},
		{"Friday after closing", at(2026, 11, 27, 18, 0), 24 * time.Hour, at(2026, 12, 1, 15, 0)},
		{"Friday morning", at(2026, 11, 27, 9, 30), 24 * time.Hour, at(2026, 12, 1, 7, 30)},
		{"Saturday during short hours", at(2026, 11, 28, 10, 0), 24 * time.Hour, at(2026, 12, 1, 17, 0)},
		{"Saturday after closing", at(2026, 11, 28, 19, 0), 4 * time.Hour, at(2026, 11, 30, 11, 0)},
		{"Sunday", at(2026, 11, 29, 12, 0), 24 * time.Hour, at(2026, 12, 1, 19, 0)},
		// Clocks go forward at 2:00 on Sunday, March 8, 2026: the hours
		// after it are still 7:00-19:00 on the wall clock.
		{"into daylight saving time", at(2026, 3, 7, 11, 0), 24 * time.Hour, at(2026, 3, 10, 18, 0)},
		// Clocks go back at 2:00 on Sunday, November 1, 2026.
		{"out of daylight saving time", at(2026, 10, 30, 16, 0), 24 * time.Hour, at(2026, 11, 3, 14, 0)},
		{"from UTC", time.Date(2026, 11, 27, 16, 30, 0, 0, time.UTC), time.Hour, at(2026, 11, 27, 10, 30)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := replyBy(tt.from, p.Hours, denver, tt.within)
			if !ok || !got.Equal(tt.want) {
				t.Errorf("replyBy(%v, %v) = %v, %v; want %v", tt.from, tt.within, got, ok, tt.want)
			}
		})
	}
}

func TestReplyByDSTClockTimes(t *testing.T) {
	// Around a change of clocks the answer must still land on the opening
	// hours as the wall clock shows them.
	p := mustDefault(t)
	got, ok := replyBy(time.Date(2026, 3, 7, 18, 0, 0, 0, time.UTC), p.Hours, p.Zone(), 13*time.Hour)
	if !ok {
		t.Fatal("no deadline")
	}
	if got, want := got.Format("Mon 15:04 MST"), "Mon 19:00 MDT"; got != want {
		t.Errorf("deadline = %s, want %s", got, want)
	}
}

func TestReplyByUnusualHours(t *testing.T) {
	utc := time.UTC
	monday := time.Date(2026, 11, 23, 0, 0, 0, 0, utc)
	tests := []struct {
		name   string
		hours  []Hours
		within time.Duration
		want   time.Time
		wantOK bool
	}{
		{"no hours", nil, time.Hour, time.Time{}, false},
		{
			"overlapping rules count once",
			[]Hours{
				{Days: []string{"mon"}, Opens: "09:00", Closes: "12:00"},
				{Days: []string{"mon"}, Opens: "11:00", Closes: "13:00"},
			},
			5 * time.Hour,
			time.Date(2026, 11, 30, 10, 0, 0, 0, utc),
			true,
		},
		{
			"split day",
			[]Hours{
				{Days: []string{"mon"}, Opens: "14:00", Closes: "18:00"},
				{Days: []string{"mon"}, Opens: "08:00", Closes: "12:00"},
			},
			6 * time.Hour,
			time.Date(2026, 11, 23, 16, 0, 0, 0, utc),
			true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := replyBy(monday, tt.hours, utc, tt.within)
			if ok != tt.wantOK || !got.Equal(tt.want) {
				t.Errorf("replyBy = %v, %v; want %v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestRoundUpToQuarterHour(t *testing.T) {
	kathmandu, err := time.LoadLocation("Asia/Kathmandu") // UTC+5:45
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in   time.Time
		want string
	}{
		{time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC), "10:00"},
		{time.Date(2026, 11, 23, 10, 0, 1, 0, time.UTC), "10:15"},
		{time.Date(2026, 11, 23, 10, 7, 0, 0, time.UTC), "10:15"},
		{time.Date(2026, 11, 23, 10, 46, 0, 0, time.UTC), "11:00"},
		{time.Date(2026, 11, 23, 10, 7, 0, 0, kathmandu), "10:15"},
	}
	for _, tt := range tests {
		if got := roundUpToQuarterHour(tt.in).Format("15:04"); got != tt.want {
			t.Errorf("roundUpToQuarterHour(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func mustDefault(t *testing.T) *Profile {
	t.Helper()
	p, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestProfileReplyBy: the promise is the profile's business hours from the
// time received, rounded up to a time people say.
func TestProfileReplyBy(t *testing.T) {
	p := mustDefault(t)
	denver := p.Zone()
	// Friday 4:07 PM: 53 minutes left on Friday, 4 hours on Saturday, and
	// the rest from Monday 7:00, rounded up to the quarter hour.
	got, ok := p.ReplyBy(time.Date(2026, 11, 27, 16, 7, 0, 0, denver))
	if want := time.Date(2026, 11, 30, 10, 15, 0, 0, denver); !ok || !got.Equal(want) {
		t.Errorf("ReplyBy() = %v, %v; want %v", got, ok, want)
	}
}

// TestOpenThroughout: an appointment lies within the opening hours when it
// starts at or after opening and ends at or before closing on one day;
// the hours move with the clocks.
func TestOpenThroughout(t *testing.T) {
	p := mustDefault(t)
	at := func(month time.Month, day, hour, minute int) time.Time {
		return time.Date(2026, month, day, hour, minute, 0, 0, p.Zone())
	}
	tests := []struct {
		name      string
		start     time.Time
		length    time.Duration
		want      bool
		wantSpans int
	}{
		{"Tuesday morning", at(12, 1, 9, 30), 45 * time.Minute, true, 1},
		{"from opening", at(12, 1, 7, 0), time.Hour, true, 1},
		{"until closing", at(12, 1, 18, 0), time.Hour, true, 1},
		{"before opening", at(12, 1, 6, 30), 45 * time.Minute, false, 1},
		{"past closing", at(12, 1, 18, 30), time.Hour, false, 1},
		{"Saturday past noon", at(12, 5, 11, 30), time.Hour, false, 1},
		{"Sunday", at(12, 6, 10, 0), 45 * time.Minute, false, 0},
		{"the Monday after the clocks go forward", at(3, 9, 7, 0), time.Hour, true, 1},
		{"given in UTC", time.Date(2026, 12, 1, 16, 30, 0, 0, time.UTC), time.Hour, true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p.OpenThroughout(tt.start, tt.start.Add(tt.length)); got != tt.want {
				t.Errorf("OpenThroughout(%v, %v) = %t, want %t", tt.start, tt.length, got, tt.want)
			}
			if got := len(p.OpenOn(tt.start)); got != tt.wantSpans {
				t.Errorf("OpenOn(%v) has %d spans, want %d", tt.start, got, tt.wantSpans)
			}
		})
	}
}
