package i18n

// deskDigestMessages are the front desk's morning digest, its day sheet, and the calendar copy of each booking, in the clinic's language.
//
// A count's words have a form for one (".one") and one for any other
// number (".other"), as the email section's lengths do. Dates and times
// come as arguments, written by the helpers of this package.
var deskDigestMessages = map[Language]map[string]string{
	English: {
		// The digest's subject: the open requests, and of them the
		// overdue ones.
		"desk.digest.subject.open":          "Open requests: %d",
		"desk.digest.subject.overdue.one":   "Open requests: %d (%d overdue)",
		"desk.digest.subject.overdue.other": "Open requests: %d (%d overdue)",

		"desk.digest.heading.open":     "Open appointment requests",
		"desk.digest.heading.days":     "The day sheet",
		"desk.digest.heading.daysOpen": "The day sheet and open requests",

		// The introduction: how many requests are open at the digest's
		// time, then how many of them are overdue.
		"desk.digest.intro.one":     "%d request is open on %s, oldest first.",
		"desk.digest.intro.other":   "%d requests are open on %s, oldest first.",
		"desk.digest.intro.none":    "No appointment requests are open on %s.",
		"desk.digest.overdue.one":   "%d is overdue, still not answered by the time the patient was promised, and is listed first.",
		"desk.digest.overdue.other": "%d are overdue, still not answered by the time the patients were promised, and are listed first.",
		"desk.digest.minimal":       "Patients' names and contact details are left out of this email.",

		// The note on the action links; in minimal mode, what comes
		// before it: about the requests, or with none open, about the
		// appointments.
		"desk.digest.links":           "Each link opens a page about that request; nothing changes until you press the button there.",
		"desk.digest.links.minimal":   "Open the request to see who made it and how to reach them.",
		"desk.digest.links.days":      "Open an appointment to see whose it is.",
		"desk.digest.more.one":        "%d more open request is not listed here, to keep this email short.",
		"desk.digest.more.other":      "%d more open requests are not listed here, to keep this email short.",
		"desk.digest.section.overdue": "Overdue",
		"desk.digest.section.open":    "Open",
		"desk.digest.footer":          "Sent once a day while requests are open, by the appointment request form on the %s website.",
		"desk.digest.footer.days":     "Sent once a day while requests are open or appointments are booked, by the appointment request form on the %s website.",

		// One request: when it came in and how long ago; where it stands.
		"desk.digest.received":          "Received %s, %s",
		"desk.digest.age.now":           "just now",
		"desk.digest.age.minute.one":    "%d minute ago",
		"desk.digest.age.minute.other":  "%d minutes ago",
		"desk.digest.age.hour.one":      "%d hour ago",
		"desk.digest.age.hour.other":    "%d hours ago",
		"desk.digest.age.day.one":       "%d day ago",
		"desk.digest.age.day.other":     "%d days ago",
		"desk.digest.state.received":    "Not answered yet",
		"desk.digest.state.answerBy":    "Not answered yet; answer by %s",
		"desk.digest.state.wasDue":      "Not answered yet; the answer was due by %s",
		"desk.digest.state.contacted":   "Contacted",
		"desk.digest.state.contactedAt": "Contacted %s",

		// The day sheet: a day's heading when it is today; an
		// appointment's start and end; the subject's counts, for today
		// and for a later day by its weekday.
		"desk.daysheet.today":               "Today, %s",
		"desk.daysheet.empty":               "No appointments booked.",
		"desk.daysheet.more.one":            "%d more appointment is booked this day, not listed here to keep this email short.",
		"desk.daysheet.more.other":          "%d more appointments are booked this day, not listed here to keep this email short.",
		"desk.daysheet.time":                "%s to %s",
		"desk.daysheet.subject.today.one":   "%d appointment today",
		"desk.daysheet.subject.today.other": "%d appointments today",
		"desk.daysheet.subject.day":         "%d on %s",
		// The links on a booked appointment, with the words of the action
		// pages.
		"desk.daysheet.action.reschedule": "Reschedule",
		"desk.daysheet.action.cancel":     "Cancel the appointment",
		"desk.daysheet.action.attended":   "Mark as attended",
		"desk.daysheet.action.noShow":     "Mark as no-show",

		// The front desk's copy of a booking's invitation: the subject
		// starts with what happened, then the reference and the time.
		"desk.invite.booked.subject":    "Booked: %s, %s",
		"desk.invite.booked.heading":    "Appointment booked",
		"desk.invite.booked.intro":      "The attached invitation adds this appointment to the clinic's calendar.",
		"desk.invite.moved.subject":     "Moved: %s, %s",
		"desk.invite.moved.heading":     "Appointment moved",
		"desk.invite.moved.intro":       "This appointment has moved. The attached invitation updates it in the clinic's calendar.",
		"desk.invite.cancelled.subject": "Cancelled: %s, %s",
		"desk.invite.cancelled.heading": "Appointment cancelled",
		// Follows "calendar.cancelled".
		"desk.invite.cancelled.intro": "The attached cancellation removes it from the clinic's calendar.",
		"desk.invite.minimal":         "The patient's name and contact details are left out of this email.",
		"desk.invite.section":         "Appointment",
		"desk.invite.label.patient":   "Patient",
		"desk.invite.label.language":  "Language",
		"desk.invite.label.when":      "When",
		"desk.invite.footer":          "A copy of the calendar invitation of this appointment, for the clinic's calendar, sent by the appointment request form on the %s website.",

		// The notes of the front desk's calendar copy, beside the
		// patient's "calendar.*" lines; the language line is also the
		// digest's and the day sheet's.
		"desk.calendar.patient":  "Patient: %s",
		"desk.calendar.language": "Language: %s",
		// The front desk as an attendee of the copy: the clinic's name.
		"desk.calendar.attendee": "%s front desk",
	},
	Spanish: {
		"desk.digest.subject.open":          "Solicitudes abiertas: %d",
		"desk.digest.subject.overdue.one":   "Solicitudes abiertas: %d (%d atrasada)",
		"desk.digest.subject.overdue.other": "Solicitudes abiertas: %d (%d atrasadas)",

		"desk.digest.heading.open":     "Solicitudes de cita abiertas",
		"desk.digest.heading.days":     "Agenda del día",
		"desk.digest.heading.daysOpen": "Agenda del día y solicitudes abiertas",

		// "El lunes, 30 de noviembre, 8:00 a. m. (MST), hay 3 solicitudes
		// abiertas…".
		"desk.digest.intro.one":     "El %[2]s, hay %[1]d solicitud abierta.",
		"desk.digest.intro.other":   "El %[2]s, hay %[1]d solicitudes abiertas, de la más antigua a la más reciente.",
		"desk.digest.intro.none":    "El %s, no hay solicitudes de cita abiertas.",
		"desk.digest.overdue.one":   "%d está atrasada (no se respondió en el plazo prometido al paciente) y aparece en primer lugar.",
		"desk.digest.overdue.other": "%d están atrasadas (no se respondieron en el plazo prometido a los pacientes) y aparecen en primer lugar.",
		"desk.digest.minimal":       "Este correo no incluye los nombres ni los datos de contacto de los pacientes.",

		"desk.digest.links":           "Cada enlace abre una página sobre esa solicitud; nada cambia hasta que presione el botón de esa página.",
		"desk.digest.links.minimal":   "Abra la solicitud para ver quién la envió y cómo comunicarse con esa persona.",
		"desk.digest.links.days":      "Abra una cita para ver de qué paciente es.",
		"desk.digest.more.one":        "Hay %d solicitud abierta más que no aparece aquí, para que este correo no sea demasiado largo.",
		"desk.digest.more.other":      "Hay %d solicitudes abiertas más que no aparecen aquí, para que este correo no sea demasiado largo.",
		"desk.digest.section.overdue": "Atrasadas",
		"desk.digest.section.open":    "Abiertas",
		"desk.digest.footer":          "El formulario de solicitud de citas del sitio web de %s envía este correo una vez al día mientras haya solicitudes abiertas.",
		"desk.digest.footer.days":     "El formulario de solicitud de citas del sitio web de %s envía este correo una vez al día mientras haya solicitudes abiertas o citas programadas.",

		// "Recibida el lunes, 23 de noviembre, 10:00 p. m. (MST), hace 6
		// días".
		"desk.digest.received":          "Recibida el %s, %s",
		"desk.digest.age.now":           "hace un momento",
		"desk.digest.age.minute.one":    "hace %d minuto",
		"desk.digest.age.minute.other":  "hace %d minutos",
		"desk.digest.age.hour.one":      "hace %d hora",
		"desk.digest.age.hour.other":    "hace %d horas",
		"desk.digest.age.day.one":       "hace %d día",
		"desk.digest.age.day.other":     "hace %d días",
		"desk.digest.state.received":    "Aún sin respuesta",
		"desk.digest.state.answerBy":    "Aún sin respuesta; hay que responder a más tardar el %s",
		"desk.digest.state.wasDue":      "Aún sin respuesta; había que responder a más tardar el %s",
		"desk.digest.state.contacted":   "Ya se contactó al paciente",
		"desk.digest.state.contactedAt": "Ya se contactó al paciente el %s",

		// "De 9:00 a. m. a 9:45 a. m. (MST)"; "2 citas hoy, 1 el martes".
		"desk.daysheet.today":               "Hoy, %s",
		"desk.daysheet.empty":               "No hay citas programadas.",
		"desk.daysheet.more.one":            "Hay %d cita más programada este día que no aparece aquí, para que este correo no sea demasiado largo.",
		"desk.daysheet.more.other":          "Hay %d citas más programadas este día que no aparecen aquí, para que este correo no sea demasiado largo.",
		"desk.daysheet.time":                "De %s a %s",
		"desk.daysheet.subject.today.one":   "%d cita hoy",
		"desk.daysheet.subject.today.other": "%d citas hoy",
		"desk.daysheet.subject.day":         "%d el %s",
		"desk.daysheet.action.reschedule":   "Reprogramar",
		"desk.daysheet.action.cancel":       "Cancelar la cita",
		"desk.daysheet.action.attended":     "Registrar asistencia",
		"desk.daysheet.action.noShow":       "Registrar inasistencia",

		"desk.invite.booked.subject":    "Programada: %s, %s",
		"desk.invite.booked.heading":    "Cita programada",
		"desk.invite.booked.intro":      "La invitación adjunta agrega esta cita al calendario de la clínica.",
		"desk.invite.moved.subject":     "Reprogramada: %s, %s",
		"desk.invite.moved.heading":     "Cita reprogramada",
		"desk.invite.moved.intro":       "Esta cita cambió de horario. La invitación adjunta la actualiza en el calendario de la clínica.",
		"desk.invite.cancelled.subject": "Cancelada: %s, %s",
		"desk.invite.cancelled.heading": "Cita cancelada",
		"desk.invite.cancelled.intro":   "La cancelación adjunta la elimina del calendario de la clínica.",
		"desk.invite.minimal":           "Este correo no incluye el nombre ni los datos de contacto del paciente.",
		"desk.invite.section":           "Cita",
		"desk.invite.label.patient":     "Paciente",
		"desk.invite.label.language":    "Idioma",
		"desk.invite.label.when":        "Fecha y hora",
		"desk.invite.footer":            "Copia de la invitación de calendario de esta cita para el calendario de la clínica, enviada por el formulario de solicitud de citas del sitio web de %s.",

		"desk.calendar.patient":  "Paciente: %s",
		"desk.calendar.language": "Idioma: %s",
		"desk.calendar.attendee": "Recepción de %s",
	},
}
