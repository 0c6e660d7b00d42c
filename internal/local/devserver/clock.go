package devserver

import (
	"fmt"
	"strings"
	"sync/atomic"
	"time"
)

// clock is the server's time: the real time moved ahead by an offset that
// the requests page's buttons (and the tests) set, so that a reminder due
// tomorrow can be seen to go out today. The handlers the server builds
// read it (Server.build says which keep real time). The offset is kept in memory only: a restarted server runs on
// real time again.
type clock struct {
	offset atomic.Int64 // nanoseconds ahead of real time
}

// now is the server's time.
func (c *clock) now() time.Time { return time.Now().Add(c.ahead()) }

// ahead is how far the clock was moved ahead of real time.
func (c *clock) ahead() time.Duration { return time.Duration(c.offset.Load()) }

// maxAhead bounds how far the clock can be moved: a year covers any
// appointment a clinic books, and keeps the time far from overflowing
// however often the buttons are pressed.
const maxAhead = 366 * 24 * time.Hour

// advance moves the clock ahead by d, up to maxAhead.
func (c *clock) advance(d time.Duration) {
	for {
		old := c.offset.Load()
		next := min(time.Duration(old)+d, maxAhead)
		if c.offset.CompareAndSwap(old, int64(next)) {
			return
		}
	}
}

// reset puts the clock back on real time.
func (c *clock) reset() { c.offset.Store(0) }

// describeAhead says how far ahead the clock is, in days, hours and
// minutes, as the requests page shows it: "2 days 3 hours".
func describeAhead(d time.Duration) string {
	d = d.Round(time.Minute)
	var parts []string
	for _, u := range []struct {
		size time.Duration
		name string
	}{{24 * time.Hour, "day"}, {time.Hour, "hour"}, {time.Minute, "minute"}} {
		n := d / u.size
		d -= n * u.size
		switch {
		case n == 1:
			parts = append(parts, "1 "+u.name)
		case n > 1:
			parts = append(parts, fmt.Sprintf("%d %ss", n, u.name))
		}
	}
	if len(parts) == 0 {
		return "less than a minute"
	}
	return strings.Join(parts, " ")
}
