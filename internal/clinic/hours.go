package clinic

import (
	"slices"
	"time"
)

// ReplyBy returns when the front desk's answer to a request received at
// from is due, as the patient's confirmation promises it: after the
// profile's ReplyWithinBusinessHours of opening hours, rounded up to the
// quarter hour. It reports false when the hours never add up to that.
func (p *Profile) ReplyBy(from time.Time) (time.Time, bool) {
	by, ok := replyBy(from, p.Hours, p.Zone(), time.Duration(p.ReplyWithinBusinessHours)*time.Hour)
	if !ok {
		return time.Time{}, false
	}
	return roundUpToQuarterHour(by), true
}

// searchDays bounds the search for a deadline, so that opening hours with
// hardly any time in them cannot keep a render busy.
const searchDays = 400

// replyBy returns the moment the front desk's promise runs out: when
// within of open time has passed since from, counting only the opening
// hours, read as wall-clock times in the clinic's zone. Each day's hours
// are placed on that day's calendar, so a change to or from daylight
// saving time moves them with the clocks. It reports false when the hours
// do not add up to within in reasonable time, as when there are none.
func replyBy(from time.Time, hours []Hours, zone *time.Location, within time.Duration) (time.Time, bool) {
	from = from.In(zone)
	left := within
	y, m, d := from.Date()
	for i := range searchDays {
		day := time.Date(y, m, d+i, 0, 0, 0, 0, zone)
		for _, s := range openSpans(day, hours, zone) {
			start := s.start
			if start.Before(from) {
				start = from
			}
			if !start.Before(s.end) {
				continue
			}
			if open := s.end.Sub(start); open < left {
				left -= open
				continue
			}
			return start.Add(left), true
		}
	}
	return time.Time{}, false
}

type span struct{ start, end time.Time }

// openSpans returns the day's opening hours in time order, with
// overlapping rules merged so that no time is counted twice.
func openSpans(day time.Time, hours []Hours, zone *time.Location) []span {
	id := Weekdays[(int(day.Weekday())+6)%7]
	var spans []span
	for _, h := range hours {
		if !slices.Contains(h.Days, id) {
			continue
		}
		opens, ok1 := clock(day, h.Opens, zone)
		closes, ok2 := clock(day, h.Closes, zone)
		if ok1 && ok2 && opens.Before(closes) {
			spans = append(spans, span{opens, closes})
		}
	}
	slices.SortFunc(spans, func(a, b span) int { return a.start.Compare(b.start) })
	var merged []span
	for _, s := range spans {
		if n := len(merged); n > 0 && !s.start.After(merged[n-1].end) {
			if s.end.After(merged[n-1].end) {
				merged[n-1].end = s.end
			}
			continue
		}
		merged = append(merged, s)
	}
	return merged
}

// clock places an HH:MM time on the given day.
func clock(day time.Time, hhmm string, zone *time.Location) (time.Time, bool) {
	t, err := time.Parse("15:04", hhmm)
	if err != nil {
		return time.Time{}, false
	}
	y, m, d := day.Date()
	return time.Date(y, m, d, t.Hour(), t.Minute(), 0, 0, zone), true
}

// roundUpToQuarterHour gives a deadline a time people say, such as 10:15
// rather than 10:07; rounding up keeps the promise.
func roundUpToQuarterHour(t time.Time) time.Time {
	const q = 15 * time.Minute
	_, offset := t.Zone()
	// Rounding is done on the wall clock, which in zones offset by a part
	// of an hour differs from rounding the instant.
	wall := t.Add(time.Duration(offset) * time.Second)
	if r := wall.Sub(wall.Truncate(q)); r > 0 {
		t = t.Add(q - r)
	}
	return t
}

// Span is a stretch of time the clinic is open, from Opens until Closes.
type Span struct {
	Opens, Closes time.Time
}

// OpenOn returns the clinic's opening hours on the day that t falls on in
// its zone, in time order, overlapping rules merged; none when it is
// closed all day.
func (p *Profile) OpenOn(t time.Time) []Span {
	zone := p.Zone()
	y, m, d := t.In(zone).Date()
	var out []Span
	for _, s := range openSpans(time.Date(y, m, d, 0, 0, 0, 0, zone), p.Hours, zone) {
		out = append(out, Span{Opens: s.start, Closes: s.end})
	}
	return out
}

// OpenThroughout reports whether the clinic is open the whole time from
// start to end: both within one stretch of the opening hours of the day
// start falls on. An appointment that runs past closing, or across a
// break, is not.
func (p *Profile) OpenThroughout(start, end time.Time) bool {
	for _, s := range p.OpenOn(start) {
		if !start.Before(s.Opens) && !end.After(s.Closes) {
			return true
		}
	}
	return false
}
