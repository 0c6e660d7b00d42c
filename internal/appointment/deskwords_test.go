package appointment

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"example.com/appointments/internal/i18n"
)

// TestDeskProblemsInBothLanguages provokes every problem the front desk's
// forms can have and reads it in English, as it always read, and in
// Spanish, for a Spanish-speaking clinic: dates, times and the opening
// hours written as Spanish writes them, each field named with its
// article. It fails too when a problem of the catalog's is never reached.
func TestDeskProblemsInBothLanguages(t *testing.T) {
	rules := testRules(t)
	zone := rules.Profile.Zone()
	at := func(y int, m time.Month, d, hh, mm int) time.Time { return time.Date(y, m, d, hh, mm, 0, 0, zone) }
	good := func(change func(DeskForm)) DeskForm {
		f := DeskForm{"date": {"2026-12-01"}, "time": {"09:30"}, "minutes": {"45"}, "clinician": {"Dr. Kim"}, "note": {"Bring shorts."}}
		change(f)
		return f
	}
	command := func(a Action, f DeskForm) error {
		_, err := rules.Command(a, AudienceFrontDesk, f, lifecycleNow)
		return err
	}
	apply := func(start time.Time, length time.Duration, outside bool) error {
		r := Request{ID: "r", Status: StatusReceived}
		_, _, err := rules.Apply(r, Command{Action: ActionSchedule, Audience: AudienceFrontDesk, OutsideHours: outside, Booking: &Booking{Start: start, Length: length}}, lifecycleNow)
		return err
	}
	booked, _, err := Request{ID: "r", Status: StatusReceived}.Apply(Command{Action: ActionSchedule, Audience: AudienceFrontDesk, Booking: booking(lifecycleNow.Add(72 * time.Hour))}, lifecycleNow)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		key     string
		err     error
		english string
		spanish string
	}{
		{"desk.form.repeated", command(ActionSchedule, good(func(f DeskForm) { f["date"] = []string{"2026-12-01", "2026-12-02"} })),
			"The date was sent more than once; reload the page and enter it once.",
			"Se recibió la fecha más de una vez; vuelva a cargar la página y envíe el formulario de nuevo."},
		{"desk.form.date.required", command(ActionSchedule, good(func(f DeskForm) { delete(f, "date") })),
			"Enter the appointment's date, or pick it from the calendar.",
			"Ingrese la fecha de la cita o elíjala en el calendario."},
		{"desk.form.date.invalid", command(ActionSchedule, good(func(f DeskForm) { f["date"] = []string{"2026-02-30"} })),
			"That date could not be read; pick it from the calendar.",
			"No se pudo leer esa fecha; elíjala en el calendario."},
		{"desk.form.time.invalid", command(ActionSchedule, good(func(f DeskForm) { f["time"] = []string{"half nine"} })),
			"Enter the time of day, such as 9:30 AM, or pick it from the list.",
			"Ingrese la hora, por ejemplo 9:30 a. m., o elíjala de la lista."},
		{"desk.form.minutes.invalid", command(ActionSchedule, good(func(f DeskForm) { f["minutes"] = []string{"an hour"} })),
			"Enter the length in minutes.",
			"Ingrese la duración en minutos."},
		{"desk.form.outsideHours.invalid", command(ActionSchedule, good(func(f DeskForm) { f["outsideHours"] = []string{"maybe"} })),
			"Tick the “Outside opening hours” box, or leave it empty.",
			"Marque la casilla «Fuera del horario de atención» o déjela sin marcar."},
		{"desk.form.line", command(ActionSchedule, good(func(f DeskForm) { f["clinician"] = []string{"Dr.\nKim"} })),
			"The clinician's name must be one line, without line breaks or invisible characters; type it again.",
			"Escriba de nuevo el nombre del profesional en una sola línea, sin saltos de línea ni caracteres invisibles."},
		{"desk.form.characters", command(ActionSchedule, good(func(f DeskForm) { f["note"] = []string{"Bring\x07 shorts."} })),
			"The note has characters that cannot be sent; type it again.",
			"Hay caracteres que no se pueden enviar en la nota; vuelva a escribir el texto."},
		{"desk.form.tooLong", command(ActionSchedule, good(func(f DeskForm) { f["note"] = []string{strings.Repeat("a", 501)} })),
			"Shorten the note to 500 characters (it has 501).",
			"Acorte la nota a 500 caracteres (ahora tiene 501)."},
		{"desk.form.time.skipped", command(ActionSchedule, good(func(f DeskForm) {
			f["date"], f["time"], f["outsideHours"] = []string{"2027-03-14"}, []string{"02:30"}, []string{"yes"}
		})),
			"2:30 AM does not exist on Sunday, March 14, 2027: the clocks go forward that night. Choose another time.",
			"La hora 2:30 a. m. no existe el domingo, 14 de marzo de 2027: esa noche se adelantan los relojes. Elija otra hora."},
		{"desk.form.time.repeated.start", command(ActionSchedule, good(func(f DeskForm) {
			f["date"], f["time"], f["outsideHours"] = []string{"2027-11-07"}, []string{"01:30"}, []string{"yes"}
		})),
			"This appointment would start at 1:30 AM on Sunday, November 7, 2027, a time that happens twice that night, because the clocks go back; a calendar cannot tell which of the two is meant. Choose a time, or a length, that keeps the appointment out of the repeated hour.",
			"Esta cita empezaría a la hora 1:30 a. m. del domingo, 7 de noviembre de 2027, que se repite esa noche porque se atrasan los relojes; un calendario no puede saber a cuál de las dos se refiere. Elija una hora o una duración que deje la cita fuera de la hora repetida."},
		{"desk.form.time.repeated.end", apply(at(2027, 11, 7, 0, 30), 2*time.Hour, true),
			"This appointment would end at 1:30 AM on Sunday, November 7, 2027, a time that happens twice that night, because the clocks go back; a calendar cannot tell which of the two is meant. Choose a time, or a length, that keeps the appointment out of the repeated hour.",
			"Esta cita terminaría a la hora 1:30 a. m. del domingo, 7 de noviembre de 2027, que se repite esa noche porque se atrasan los relojes; un calendario no puede saber a cuál de las dos se refiere. Elija una hora o una duración que deje la cita fuera de la hora repetida."},
		{"desk.form.start.past", command(ActionSchedule, good(func(f DeskForm) { f["date"] = []string{"2026-11-24"} })),
			"That time has passed; enter a time still to come.",
			"Esa hora ya pasó; ingrese una hora futura."},
		{"desk.form.length.range", command(ActionSchedule, good(func(f DeskForm) { f["minutes"] = []string{"1"} })),
			"Enter a length from 5 minutes to 8 hours.",
			"Ingrese una duración de 5 minutos a 8 horas."},
		{"desk.form.yearAhead", apply(at(2027, 11, 28, 9, 0), time.Hour, true),
			"Book at most a year ahead: the last day that can be booked today is Saturday, November 27, 2027.",
			"Programe la cita con un año de anticipación como máximo: hoy, el último día que se puede programar es el sábado, 27 de noviembre de 2027."},
		{"desk.form.closed", apply(at(2026, 12, 6, 10, 0), 45*time.Minute, false),
			"The clinic is closed on Sundays. Choose another day, or tick “Outside opening hours” to book it anyway.",
			"La clínica está cerrada los domingos. Elija otro día o marque «Fuera del horario de atención» para programarla de todos modos."},
		{"desk.form.closedThen", apply(at(2026, 12, 5, 11, 30), time.Hour, false),
			"On Saturdays the clinic is open 8:00 AM to 12:00 PM, and this appointment would run from 11:30 AM to 12:30 PM. Choose a time within those hours, or tick “Outside opening hours” to book it anyway.",
			"La clínica abre los sábados de 8:00 a. m. a 12:00 p. m., y esta cita sería de 11:30 a. m. a 12:30 p. m.; elija una hora dentro de ese horario o marque «Fuera del horario de atención» para programarla de todos modos."},
		{"desk.form.start.required", func() error {
			_, _, err := Request{ID: "r", Status: StatusReceived}.Apply(Command{Action: ActionSchedule, Audience: AudienceFrontDesk}, lifecycleNow)
			return err
		}(),
			"Enter the appointment's date and time.",
			"Ingrese la fecha y la hora de la cita."},
		{"desk.form.unchanged", func() error {
			_, _, err := booked.Apply(Command{Action: ActionReschedule, Audience: AudienceFrontDesk, Booking: booking(lifecycleNow.Add(72 * time.Hour))}, lifecycleNow)
			return err
		}(),
			"Nothing would change: this is the booking as it stands, so the patient is not emailed. To reschedule, change the date, the time, the length, the clinician or the note.",
			"No cambiaría nada: la cita ya está así, por lo que no se le envía ningún correo al paciente. Para reprogramarla, cambie la fecha, la hora, la duración, el profesional o la nota."},
		{"desk.form.characters", func() error {
			_, _, err := Request{ID: "r", Status: StatusReceived}.Apply(Command{Action: ActionDecline, Audience: AudienceFrontDesk, Message: "We are full.\x00"}, lifecycleNow)
			return err
		}(),
			"The message has characters that cannot be sent; type it again.",
			"Hay caracteres que no se pueden enviar en el mensaje; vuelva a escribir el texto."},
	}
	reached := map[string]bool{}
	for _, tt := range tests {
		var invalid *ValidationError
		if !errors.As(tt.err, &invalid) || len(invalid.Errors) != 1 {
			t.Errorf("%s: got %v, want one problem", tt.key, tt.err)
			continue
		}
		fe := invalid.Errors[0]
		reached[fe.Key] = true
		if fe.Key != tt.key {
			t.Errorf("got %s, want %s", fe.Key, tt.key)
		}
		if fe.Message != tt.english {
			t.Errorf("%s in English:\n%q\nwant\n%q", tt.key, fe.Message, tt.english)
		}
		if es := fe.In(i18n.Spanish); es.Message != tt.spanish || es.Field != fe.Field || es.Code != fe.Code {
			t.Errorf("%s in Spanish:\n%q\nwant\n%q", tt.key, es.Message, tt.spanish)
		}
	}
	for _, key := range i18n.Keys(i18n.English) {
		if strings.HasPrefix(key, "desk.form.") && !strings.HasPrefix(key, "desk.form.every.") && !slices.Contains([]string{"desk.form.span", "desk.form.and"}, key) && !reached[key] {
			t.Errorf("no problem says %s", key)
		}
	}
}
