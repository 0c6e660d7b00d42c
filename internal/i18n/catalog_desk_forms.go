package i18n

// deskFormMessages are the problems the front desk's forms can have (the
// schedule, reschedule, decline and cancel pages), in the clinic's
// language: internal/appointment names each by its key.
var deskFormMessages = map[Language]map[string]string{
	English: {
		// The fields as the messages name them, within a sentence.
		"desk.field.date":         "date",
		"desk.field.time":         "time",
		"desk.field.minutes":      "length",
		"desk.field.outsideHours": "“Outside opening hours” box",
		"desk.field.clinician":    "clinician's name",
		"desk.field.note":         "note",
		"desk.field.message":      "message",

		// A field's label.
		"desk.form.repeated":             "The %s was sent more than once; reload the page and enter it once.",
		"desk.form.date.required":        "Enter the appointment's date, or pick it from the calendar.",
		"desk.form.date.invalid":         "That date could not be read; pick it from the calendar.",
		"desk.form.time.invalid":         "Enter the time of day, such as 9:30 AM, or pick it from the list.",
		"desk.form.minutes.invalid":      "Enter the length in minutes.",
		"desk.form.outsideHours.invalid": "Tick the “Outside opening hours” box, or leave it empty.",
		"desk.form.start.required":       "Enter the appointment's date and time.",
		"desk.form.start.past":           "That time has passed; enter a time still to come.",
		// The shortest and the longest length, in minutes and in hours.
		"desk.form.length.range": "Enter a length from %d minutes to %d hours.",
		"desk.form.unchanged":    "Nothing would change: this is the booking as it stands, so the patient is not emailed. To reschedule, change the date, the time, the length, the clinician or the note.",
		// A time of day, then a date.
		"desk.form.time.skipped":        "%s does not exist on %s: the clocks go forward that night. Choose another time.",
		"desk.form.time.repeated.start": "This appointment would start at %s on %s, a time that happens twice that night, because the clocks go back; a calendar cannot tell which of the two is meant. Choose a time, or a length, that keeps the appointment out of the repeated hour.",
		"desk.form.time.repeated.end":   "This appointment would end at %s on %s, a time that happens twice that night, because the clocks go back; a calendar cannot tell which of the two is meant. Choose a time, or a length, that keeps the appointment out of the repeated hour.",
		// The last day that can be booked.
		"desk.form.yearAhead": "Book at most a year ahead: the last day that can be booked today is %s.",
		// The day of the week, as desk.form.every.* names it.
		"desk.form.closed": "The clinic is closed on %s. Choose another day, or tick “Outside opening hours” to book it anyway.",
		// The day of the week, its opening hours, the appointment's start
		// and end.
		"desk.form.closedThen": "On %s the clinic is open %s, and this appointment would run from %s to %s. Choose a time within those hours, or tick “Outside opening hours” to book it anyway.",
		// Opening and closing time of one span of opening hours.
		"desk.form.span": "%s to %s",
		// The spans before the last, then the last.
		"desk.form.and":        "%s and %s",
		"desk.form.line":       "The %s must be one line, without line breaks or invisible characters; type it again.",
		"desk.form.characters": "The %s has characters that cannot be sent; type it again.",
		// A field's label, the most characters, how many it has.
		"desk.form.tooLong": "Shorten the %s to %d characters (it has %d).",

		"desk.form.every.Sunday":    "Sundays",
		"desk.form.every.Monday":    "Mondays",
		"desk.form.every.Tuesday":   "Tuesdays",
		"desk.form.every.Wednesday": "Wednesdays",
		"desk.form.every.Thursday":  "Thursdays",
		"desk.form.every.Friday":    "Fridays",
		"desk.form.every.Saturday":  "Saturdays",
	},
	Spanish: {
		// With their articles: the sentences put them after a verb or a
		// preposition, so that no adjective has to agree with them.
		"desk.field.date":         "la fecha",
		"desk.field.time":         "la hora",
		"desk.field.minutes":      "la duración",
		"desk.field.outsideHours": "la casilla «Fuera del horario de atención»",
		"desk.field.clinician":    "el nombre del profesional",
		"desk.field.note":         "la nota",
		"desk.field.message":      "el mensaje",

		"desk.form.repeated":             "Se recibió %s más de una vez; vuelva a cargar la página y envíe el formulario de nuevo.",
		"desk.form.date.required":        "Ingrese la fecha de la cita o elíjala en el calendario.",
		"desk.form.date.invalid":         "No se pudo leer esa fecha; elíjala en el calendario.",
		"desk.form.time.invalid":         "Ingrese la hora, por ejemplo 9:30 a. m., o elíjala de la lista.",
		"desk.form.minutes.invalid":      "Ingrese la duración en minutos.",
		"desk.form.outsideHours.invalid": "Marque la casilla «Fuera del horario de atención» o déjela sin marcar.",
		"desk.form.start.required":       "Ingrese la fecha y la hora de la cita.",
		"desk.form.start.past":           "Esa hora ya pasó; ingrese una hora futura.",
		"desk.form.length.range":         "Ingrese una duración de %d minutos a %d horas.",
		"desk.form.unchanged":            "No cambiaría nada: la cita ya está así, por lo que no se le envía ningún correo al paciente. Para reprogramarla, cambie la fecha, la hora, la duración, el profesional o la nota.",
		"desk.form.time.skipped":         "La hora %s no existe el %s: esa noche se adelantan los relojes. Elija otra hora.",
		"desk.form.time.repeated.start":  "Esta cita empezaría a la hora %s del %s, que se repite esa noche porque se atrasan los relojes; un calendario no puede saber a cuál de las dos se refiere. Elija una hora o una duración que deje la cita fuera de la hora repetida.",
		"desk.form.time.repeated.end":    "Esta cita terminaría a la hora %s del %s, que se repite esa noche porque se atrasan los relojes; un calendario no puede saber a cuál de las dos se refiere. Elija una hora o una duración que deje la cita fuera de la hora repetida.",
		"desk.form.yearAhead":            "Programe la cita con un año de anticipación como máximo: hoy, el último día que se puede programar es el %s.",
		"desk.form.closed":               "La clínica está cerrada %s. Elija otro día o marque «Fuera del horario de atención» para programarla de todos modos.",
		"desk.form.closedThen":           "La clínica abre %s %s, y esta cita sería de %s a %s; elija una hora dentro de ese horario o marque «Fuera del horario de atención» para programarla de todos modos.",
		"desk.form.span":                 "de %s a %s",
		"desk.form.and":                  "%s y %s",
		"desk.form.line":                 "Escriba de nuevo %s en una sola línea, sin saltos de línea ni caracteres invisibles.",
		"desk.form.characters":           "Hay caracteres que no se pueden enviar en %s; vuelva a escribir el texto.",
		"desk.form.tooLong":              "Acorte %s a %d caracteres (ahora tiene %d).",

		"desk.form.every.Sunday":    "los domingos",
		"desk.form.every.Monday":    "los lunes",
		"desk.form.every.Tuesday":   "los martes",
		"desk.form.every.Wednesday": "los miércoles",
		"desk.form.every.Thursday":  "los jueves",
		"desk.form.every.Friday":    "los viernes",
		"desk.form.every.Saturday":  "los sábados",
	},
}
