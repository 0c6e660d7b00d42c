package appointment

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"example.com/appointments/internal/clinic"
)

func testRules(t *testing.T) Rules {
	t.Helper()
	p, err := clinic.Default()
	if err != nil {
		t.Fatal(err)
	}
	return Rules{Profile: p, ReschedulesPerDay: 5}
}

// TestInstantsOf: a wall-clock time names one instant, none when the
// clocks skip it, two when they repeat it, the earlier first; in zones
// north and south of the equator.
func TestInstantsOf(t *testing.T) {
	tests := []struct {
		zone         string
		date         string
		hour, minute int
		wantUTC      []string
	}{
		{"America/Denver", "2026-12-01", 9, 30, []string{"16:30"}},
		{"America/Denver", "2027-03-14", 2, 30, nil},
		{"America/Denver", "2027-03-14", 3, 0, []string{"09:00"}},
		{"America/Denver", "2027-11-07", 1, 30, []string{"07:30", "08:30"}},
		{"America/Denver", "2027-11-07", 2, 0, []string{"09:00"}},
		{"Europe/London", "2027-03-28", 1, 15, nil},
		{"Europe/London", "2027-10-31", 1, 15, []string{"00:15", "01:15"}},
		{"Australia/Sydney", "2027-04-04", 2, 30, []string{"15:30", "16:30"}},
		{"Australia/Sydney", "2027-10-03", 2, 30, nil},
	}
	for _, tt := range tests {
		t.Run(tt.zone+" "+tt.date, func(t *testing.T) {
			zone, err := time.LoadLocation(tt.zone)
			if err != nil {
				t.Fatal(err)
			}
			day, _ := time.Parse("2006-01-02", tt.date)
			var got []string
			for _, at := range instantsOf(zone, day.Year(), day.Month(), day.Day(), tt.hour, tt.minute) {
				if h, m := at.Hour(), at.Minute(); h != tt.hour || m != tt.minute {
					t.Errorf("an instant %v does not show %02d:%02d", at, tt.hour, tt.minute)
				}
				got = append(got, at.UTC().Format("15:04"))
			}
			if !slices.Equal(got, tt.wantUTC) {
				t.Errorf("instantsOf(%s %02d:%02d) = %v UTC, want %v", tt.date, tt.hour, tt.minute, got, tt.wantUTC)
			}
		})
	}
}

// TestDeskCommand reads the front desk's forms: every problem is listed at
// its field with a code; a clean form gives the command.
func TestDeskCommand(t *testing.T) {
	rules := testRules(t)
	// Friday, November 27, 2026, 9:30 AM in Denver.
	now := lifecycleNow
	good := func() DeskForm {
		return DeskForm{"date": {"2026-12-01"}, "time": {"09:30"}, "minutes": {"45"}, "clinician": {" Dr. Kim "}, "note": {"Wear shorts.\r\nBring water."}}
	}
	tests := []struct {
		name   string
		change func(DeskForm)
		want   []string // field:code
	}{
		{"clean", func(DeskForm) {}, nil},
		{"date twice", func(f DeskForm) { f["date"] = []string{"2026-12-01", "2026-12-01"} }, []string{"date:ambiguous"}},
		{"minutes twice", func(f DeskForm) { f["minutes"] = []string{"45", "60"} }, []string{"length:ambiguous"}},
		{"note twice", func(f DeskForm) { f["note"] = []string{"a", "b"} }, []string{"note:ambiguous"}},
		{"box twice", func(f DeskForm) { f["outsideHours"] = []string{"yes", "yes"} }, []string{"outsideHours:ambiguous"}},
		{"another form's field twice", func(f DeskForm) { f["message"] = []string{"a", "b"} }, nil},
		{"no date", func(f DeskForm) { delete(f, "date") }, []string{"date:required"}},
		{"no such day", func(f DeskForm) { f["date"] = []string{"2026-02-30"} }, []string{"date:invalid"}},
		{"time in words", func(f DeskForm) { f["time"] = []string{"half nine"} }, []string{"time:invalid"}},
		{"box with a word", func(f DeskForm) { f["outsideHours"] = []string{"maybe"} }, []string{"outsideHours:invalid"}},
		{"clinician on two lines", func(f DeskForm) { f["clinician"] = []string{"Dr.\nKim"} }, []string{"clinician:control_character"}},
		{"clinician with a line separator", func(f DeskForm) { f["clinician"] = []string{"Dr.\u2028Kim"} }, []string{"clinician:control_character"}},
		{"note with a paragraph separator", func(f DeskForm) { f["note"] = []string{"Wear\u2029shorts"} }, []string{"note:control_character"}},
		{"skipped time", func(f DeskForm) {
			f["date"], f["time"], f["outsideHours"] = []string{"2027-03-14"}, []string{"02:30"}, []string{"yes"}
		}, []string{"time:invalid"}},
		{"repeated time", func(f DeskForm) {
			f["date"], f["time"], f["outsideHours"] = []string{"2027-11-07"}, []string{"01:30"}, []string{"yes"}
		}, []string{"time:ambiguous"}},
		// The checks of Apply come too, to list every problem at once.
		{"Sunday, with the name on two lines", func(f DeskForm) {
			f["date"], f["clinician"] = []string{"2026-12-06"}, []string{"Dr.\nKim"}
		}, []string{"clinician:control_character", "start:not_allowed"}},
		{"past", func(f DeskForm) { f["date"] = []string{"2026-11-24"} }, []string{"start:invalid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := good()
			tt.change(f)
			cmd, err := rules.Command(ActionSchedule, AudienceFrontDesk, f, now)
			var got []string
			var invalid *ValidationError
			if errors.As(err, &invalid) {
				for _, fe := range invalid.Errors {
					got = append(got, fe.Field+":"+fe.Code)
					if fe.Message == "" {
						t.Errorf("%s has no message", fe.Field)
					}
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("problems = %v, want %v", got, tt.want)
			}
			if tt.want == nil && (cmd.Booking == nil || !cmd.Booking.Start.Equal(time.Date(2026, 12, 1, 16, 30, 0, 0, time.UTC)) || cmd.Booking.Length != 45*time.Minute) {
				t.Errorf("command = %+v", cmd.Booking)
			}
		})
	}
	cmd, err := rules.Command(ActionSchedule, AudienceFrontDesk, DeskForm{"date": {"2026-12-06"}, "time": {"10:00"}, "minutes": {"45"}, "outsideHours": {"yes"}}, now)
	if err != nil || !cmd.OutsideHours {
		t.Errorf("a Sunday with the box ticked: %+v, %v", cmd, err)
	}
	cmd, err = rules.Command(ActionDecline, AudienceFrontDesk, DeskForm{"message": {"We are full."}, "date": {"a", "b"}}, now)
	if err != nil || cmd.Message != "We are full." {
		t.Errorf("a decline, with another form's field twice: %+v, %v", cmd, err)
	}
}

// TestApplyBookingRules: Apply refuses a booking outside the opening hours
// unless meant, one more than a year ahead, and one that starts or ends
// where a calendar would misread it; the problems are at their fields.
func TestApplyBookingRules(t *testing.T) {
	rules := testRules(t)
	zone := rules.Profile.Zone()
	at := func(y int, m time.Month, d, hh, mm int) time.Time { return time.Date(y, m, d, hh, mm, 0, 0, zone) }
	// The second 1:30 AM of November 7, 2027, when Denver's clocks go back.
	secondHalfPastOne := time.Date(2027, 11, 7, 8, 30, 0, 0, time.UTC)
	tests := []struct {
		name         string
		start        time.Time
		length       time.Duration
		outsideHours bool
		want         []string
	}{
		{"within the hours", at(2026, 12, 1, 9, 30), 45 * time.Minute, false, nil},
		{"Saturday until noon", at(2026, 12, 5, 11, 0), time.Hour, false, nil},
		{"Saturday past noon", at(2026, 12, 5, 11, 30), time.Hour, false, []string{"start:not_allowed"}},
		{"Sunday", at(2026, 12, 6, 10, 0), 45 * time.Minute, false, []string{"start:not_allowed"}},
		{"Sunday, meant", at(2026, 12, 6, 10, 0), 45 * time.Minute, true, nil},
		{"the last day a year ahead", at(2027, 11, 27, 9, 0), time.Hour, false, nil},
		{"a year and a day ahead", at(2027, 11, 28, 9, 0), time.Hour, true, []string{"date:invalid"}},
		{"ends at the first of two times", at(2027, 11, 7, 0, 30), time.Hour, true, nil},
		{"ends at the second of two times", at(2027, 11, 7, 0, 30), 2 * time.Hour, true, []string{"length:ambiguous"}},
		{"starts at the second of two times", secondHalfPastOne, time.Hour, true, []string{"time:ambiguous"}},
		{"spans the repeated hour", at(2027, 11, 7, 0, 30), 3 * time.Hour, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Request{ID: "r", Status: StatusReceived}
			c := Command{Action: ActionSchedule, Audience: AudienceFrontDesk, OutsideHours: tt.outsideHours,
				Booking: &Booking{Start: tt.start, Length: tt.length}}
			after, _, err := rules.Apply(r, c, lifecycleNow)
			var got []string
			var invalid *ValidationError
			if errors.As(err, &invalid) {
				for _, fe := range invalid.Errors {
					got = append(got, fe.Field+":"+fe.Code)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("problems = %v, want %v", got, tt.want)
			}
			if (after.Status == StatusScheduled) != (tt.want == nil) {
				t.Errorf("status after = %s", after.Status)
			}
		})
	}
}

// TestUnchangedReschedule: a reschedule to the booking as it stands, its
// text as typed aside, is refused with a problem of the whole form;
// changing any one part of it is a reschedule.
func TestUnchangedReschedule(t *testing.T) {
	r := Request{ID: "r", Status: StatusReceived}
	start := lifecycleNow.Add(72 * time.Hour)
	r, _, err := r.Apply(Command{Action: ActionSchedule, Audience: AudienceFrontDesk, Booking: booking(start)}, lifecycleNow)
	if err != nil {
		t.Fatal(err)
	}
	same := &Booking{Start: start.In(time.FixedZone("elsewhere", 3600)), Length: 45 * time.Minute, Clinician: " Dr. Kim", Note: "Bring shorts.\r\n"}
	_, _, err = r.Apply(Command{Action: ActionReschedule, Audience: AudienceFrontDesk, Booking: same}, lifecycleNow)
	var invalid *ValidationError
	if !errors.As(err, &invalid) || len(invalid.Errors) != 1 || invalid.Errors[0].Code != CodeUnchanged || invalid.Errors[0].Field != "" {
		t.Fatalf("an unchanged reschedule: %v", err)
	}
	for name, change := range map[string]func(*Booking){
		"start":     func(b *Booking) { b.Start = b.Start.Add(30 * time.Minute) },
		"length":    func(b *Booking) { b.Length = time.Hour },
		"clinician": func(b *Booking) { b.Clinician = "Dr. Lee" },
		"note":      func(b *Booking) { b.Note = "" },
	} {
		b := *same
		change(&b)
		if _, _, err := r.Apply(Command{Action: ActionReschedule, Audience: AudienceFrontDesk, Booking: &b}, lifecycleNow); err != nil {
			t.Errorf("a reschedule of the %s: %v", name, err)
		}
	}
}

// TestLinkActsOnce: a change records the link it was made with, and the
// same link is refused after, even for an action the status allows again;
// another link, or none, is not.
func TestLinkActsOnce(t *testing.T) {
	r := Request{ID: "r", Status: StatusReceived}
	r, _, err := r.Apply(Command{Action: ActionSchedule, Audience: AudienceFrontDesk, Booking: booking(lifecycleNow.Add(24 * time.Hour)), Link: "schedule-link"}, lifecycleNow)
	if err != nil {
		t.Fatal(err)
	}
	move := func(link string, hours time.Duration) error {
		var err error
		r, _, err = r.Apply(Command{Action: ActionReschedule, Audience: AudienceFrontDesk, Booking: booking(lifecycleNow.Add(hours * time.Hour)), Link: link}, lifecycleNow)
		return err
	}
	if err := move("reschedule-link", 48); err != nil {
		t.Fatal(err)
	}
	if got := r.History[1].Link; got != "reschedule-link" {
		t.Errorf("the change recorded link %q", got)
	}
	err = move("reschedule-link", 72)
	var te *TransitionError
	if !errors.As(err, &te) || !te.LinkUsed || te.Last == nil || te.Last.Link != "reschedule-link" || len(r.History) != 2 {
		t.Fatalf("the same link again: %v, %d changes", err, len(r.History))
	}
	if !strings.Contains(err.Error(), "used already") {
		t.Errorf("error = %q", err)
	}
	if err := move("another-link", 72); err != nil {
		t.Errorf("another link: %v", err)
	}
	if err := move("", 96); err != nil {
		t.Errorf("no link: %v", err)
	}
	if r.UsedLink("schedule-link") == nil || r.UsedLink("") != nil || r.UsedLink("never-used") != nil {
		t.Error("UsedLink does not find the links that acted, and only those")
	}
}

// TestApplyReschedulesPerDay: Apply allows ReschedulesPerDay reschedules in
// any 24 hours; the next gets a LimitError saying when one more is
// allowed, which it is then. A limit below one allows none.
func TestApplyReschedulesPerDay(t *testing.T) {
	rules := testRules(t)
	rules.ReschedulesPerDay = 2
	r := Request{ID: "r", Status: StatusReceived}
	start := time.Date(2026, 12, 1, 16, 30, 0, 0, time.UTC)
	now := lifecycleNow
	apply := func(a Action, offset time.Duration) error {
		var err error
		r, _, err = rules.Apply(r, Command{Action: a, Audience: AudienceFrontDesk, Booking: booking(start.Add(offset))}, now)
		return err
	}
	if err := apply(ActionSchedule, 0); err != nil {
		t.Fatal(err)
	}
	first := now
	for i := range 2 {
		if err := apply(ActionReschedule, time.Duration(i+1)*30*time.Minute); err != nil {
			t.Fatalf("reschedule %d: %v", i+1, err)
		}
		now = now.Add(time.Hour)
	}
	err := apply(ActionReschedule, 2*time.Hour)
	var limit *LimitError
	if !errors.As(err, &limit) || limit.Limit != 2 || limit.Action != ActionReschedule || !limit.Until.Equal(first.Add(RescheduleWindow)) {
		t.Fatalf("a third reschedule within the day: %v (%+v)", err, limit)
	}
	now = limit.Until.Add(time.Second)
	if err := apply(ActionReschedule, 2*time.Hour); err != nil {
		t.Errorf("a reschedule once the first left the window: %v", err)
	}
	rules.ReschedulesPerDay = 0
	if err := apply(ActionReschedule, 3*time.Hour); !errors.As(err, &limit) || !limit.Until.IsZero() {
		t.Errorf("a reschedule with a limit of none: %v", err)
	}
}

// TestLinkExpiry: a page's links expire with the link that opened it,
// except the front desk's links of a scheduled request, which last until a
// week after the appointment.
func TestLinkExpiry(t *testing.T) {
	opener := lifecycleNow.Add(5 * time.Second)
	b := booking(time.Date(2026, 12, 1, 16, 30, 0, 0, time.UTC))
	weekAfter := time.Date(2026, 12, 8, 17, 15, 0, 0, time.UTC)
	tests := []struct {
		status Status
		action Action
		want   time.Time
	}{
		{StatusReceived, ActionSchedule, opener},
		{StatusContacted, ActionDecline, opener},
		{StatusScheduled, ActionReschedule, weekAfter},
		{StatusScheduled, ActionCancel, opener},
	}
	for _, tt := range tests {
		r := Request{Status: tt.status}
		if tt.status == StatusScheduled {
			r.Booking = b
		}
		if got := r.LinkExpiry(tt.action, opener); !got.Equal(tt.want) {
			t.Errorf("LinkExpiry(%s on %s) = %v, want %v", tt.action, tt.status, got, tt.want)
		}
	}
}
