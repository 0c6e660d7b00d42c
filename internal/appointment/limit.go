package appointment

import (
	"errors"
	"time"
)

// Limit allows Max events in each Window. Windows are fixed, aligned to the
// Unix epoch, so that a counter's window is known from the time alone.
//
// A limit is either on, with Max and Window above zero, or turned off
// explicitly with NoLimit. The zero Limit is neither: a limit that was never
// set is a mistake to report at start-up, not a limit silently turned off.
type Limit struct {
	Max    int
	Window time.Duration
	off    bool
}

// NoLimit is the limit that is turned off.
var NoLimit = Limit{off: true}

// PerHour returns the limit of max events an hour.
func PerHour(max int) Limit { return Limit{Max: max, Window: time.Hour} }

// PerDay returns the limit of max events a day.
func PerDay(max int) Limit { return Limit{Max: max, Window: 24 * time.Hour} }

// On reports whether the limit counts events.
func (l Limit) On() bool { return !l.off && l.Max > 0 && l.Window > 0 }

// Check reports a limit that is neither on nor NoLimit.
func (l Limit) Check() error {
	if l.off || (l.Max > 0 && l.Window > 0) {
		return nil
	}
	return errors.New("limit is not set: give it a maximum and a window, or NoLimit to turn it off")
}
