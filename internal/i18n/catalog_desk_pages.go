package i18n

import "maps"

// deskPageMessages are the words only the front desk's action pages say,
// in the clinic's language: the pages' headings and buttons, the forms'
// fields, what the front desk is warned of, the limits of its actions,
// and the patient's details. The Spanish speaks to staff, as "usted",
// and of the patient in the third person.
var deskPageMessages = map[Language]map[string]string{
	English: withStaffEnglish(map[string]string{
		// The pages' headings, by action, which the links to them repeat;
		// the buttons of contact, cancelBooking, attended and noShow say
		// their heading too.
		"desk.page.title.contact":       "Mark as contacted",
		"desk.page.title.schedule":      "Schedule the appointment",
		"desk.page.title.reschedule":    "Reschedule the appointment",
		"desk.page.title.decline":       "Decline the request",
		"desk.page.title.cancelBooking": "Cancel the appointment",
		"desk.page.title.attended":      "Mark as attended",
		"desk.page.title.noShow":        "Mark as no-show",
		"desk.page.button.schedule":     "Schedule",
		"desk.page.button.reschedule":   "Reschedule",
		"desk.page.button.decline":      "Decline",
		// A page's heading, for the link that takes its action again.
		"desk.page.again": "%s again",
		// What the link did, as desk.page.did.* says it, then the link that
		// does it again, as desk.page.again says it.
		"desk.page.used": "This link has been used. %[1]s To do it again, use “%[2]s” below.",

		"desk.page.warning.complaint": "The patient marked an email from the clinic as spam, so they get no more emails from it. Call them instead.",
		"desk.page.warning.bounce":    "An email to the patient bounced: their address does not accept mail. Call them, and ask for an address that works.",
		"desk.page.warning.capped":    "An email to the patient was not sent: the clinic sent as many emails to patients this hour as its limit allows. Call them to tell them what it said.",

		// A request's status, as desk.page.outcome.status names it.
		"desk.page.state.received":  "received",
		"desk.page.state.contacted": "contacted",
		"desk.page.state.scheduled": "scheduled",
		"desk.page.state.declined":  "declined",
		"desk.page.state.cancelled": "cancelled",
		"desk.page.state.attended":  "attended",
		"desk.page.state.no-show":   "no-show",
		// An action no description has, and when it was taken.
		"desk.page.did.other": "%[1]s on %[2]s.",

		"desk.page.row.patient":   "Patient",
		"desk.page.row.contactBy": "Contact by",
		"desk.page.row.reason":    "Reason",

		"desk.page.form.date": "Date",
		// The clinic's time zone as its clocks show it on the form's date.
		"desk.page.form.time":              "Time (%s)",
		"desk.page.form.minutes":           "Length in minutes",
		"desk.page.form.outsideHours":      "Outside opening hours",
		"desk.page.form.outsideHours.hint": "(book it even though the clinic is usually closed then)",
		"desk.page.form.clinician":         "Clinician",
		"desk.page.form.clinician.hint":    "(optional, shown to the patient)",
		"desk.page.form.note":              "Note to the patient",
		"desk.page.form.message":           "Message to the patient",
		"desk.page.form.message.hint":      "(optional; they are also given the clinic's phone number)",

		"desk.page.confirm.contact":       "Mark this request once someone has spoken with the patient or left a message.",
		"desk.page.confirm.cancelBooking": "The patient is emailed that the clinic cancelled the appointment, with your message if you write one, and their calendar drops it.",
		// When the appointment starts, then when attendance can be recorded
		// until.
		"desk.page.confirm.attendance": "Attendance can be recorded from the start of the appointment, %[1]s, until %[2]s. The patient is not emailed.",

		// How many times a request may be rescheduled in 24 hours.
		"desk.page.limit": "This appointment has been moved %d times in the last 24 hours, as many as the clinic allows: each move emails the patient.",
		// When it can be rescheduled again; said after desk.page.limit.
		"desk.page.limit.until": " It can be moved again from %s. To change it sooner, call the patient.",
		// When the appointment starts, then until when attendance can be
		// recorded.
		"desk.page.window.early": "It is too early to record attendance: the appointment starts %[1]s. Record it from then until %[2]s.",
		// Until when attendance could be recorded.
		"desk.page.window.late": "It is too late to record attendance: it could be recorded until %s, a week after the appointment began. The request stays as it is.",
	}),
	Spanish: {
		"desk.page.title.contact":       "Marcar como contactado",
		"desk.page.title.schedule":      "Programar la cita",
		"desk.page.title.reschedule":    "Reprogramar la cita",
		"desk.page.title.decline":       "Rechazar la solicitud",
		"desk.page.title.cancelBooking": "Cancelar la cita",
		"desk.page.title.attended":      "Registrar que asistió",
		"desk.page.title.noShow":        "Registrar que no se presentó",
		"desk.page.button.schedule":     "Programar",
		"desk.page.button.reschedule":   "Reprogramar",
		"desk.page.button.decline":      "Rechazar",
		"desk.page.again":               "%s de nuevo",
		"desk.page.used":                "Este enlace ya se usó. %[1]s Para volver a hacerlo, use “%[2]s”, más abajo.",

		"desk.page.warning.complaint": "El paciente marcó como spam un correo electrónico de la clínica, así que ya no recibirá más correos de ella. Comuníquese con el paciente por teléfono.",
		"desk.page.warning.bounce":    "Un correo electrónico enviado al paciente rebotó: su dirección no acepta correos. Llame al paciente y pídale una dirección que funcione.",
		"desk.page.warning.capped":    "No se envió un correo electrónico al paciente: la clínica alcanzó su límite de correos a pacientes por hora. Llame al paciente para darle la información de ese correo.",

		"desk.page.state.received":  "recibida",
		"desk.page.state.contacted": "contactada",
		"desk.page.state.scheduled": "programada",
		"desk.page.state.declined":  "rechazada",
		"desk.page.state.cancelled": "cancelada",
		"desk.page.state.attended":  "asistió",
		"desk.page.state.no-show":   "no se presentó",
		"desk.page.did.other":       "%[1]s, el %[2]s.",

		"desk.page.row.patient":   "Paciente",
		"desk.page.row.contactBy": "Contactar por",
		"desk.page.row.reason":    "Motivo de la consulta",

		"desk.page.form.date":              "Fecha",
		"desk.page.form.time":              "Hora (%s)",
		"desk.page.form.minutes":           "Duración en minutos",
		"desk.page.form.outsideHours":      "Fuera del horario de atención",
		"desk.page.form.outsideHours.hint": "(programarla aunque la clínica suele estar cerrada a esa hora)",
		"desk.page.form.clinician":         "Profesional",
		"desk.page.form.clinician.hint":    "(opcional; el paciente lo verá)",
		"desk.page.form.note":              "Nota para el paciente",
		"desk.page.form.message":           "Mensaje para el paciente",
		"desk.page.form.message.hint":      "(opcional; también recibirá el teléfono de la clínica)",

		"desk.page.confirm.contact":       "Marque esta solicitud cuando alguien haya hablado con el paciente o le haya dejado un mensaje.",
		"desk.page.confirm.cancelBooking": "El paciente recibirá un correo electrónico que le avisa que la clínica canceló la cita, con el mensaje que usted escriba, si escribe uno, y la cita se quitará de su calendario.",
		"desk.page.confirm.attendance":    "La asistencia se puede registrar desde el inicio de la cita, el %[1]s, hasta el %[2]s. No se le envía ningún correo al paciente.",

		"desk.page.limit":        "Esta cita ya se reprogramó en las últimas 24 horas todas las veces que permite la clínica (%d): cada cambio le envía un correo electrónico al paciente.",
		"desk.page.limit.until":  " Se podrá reprogramar de nuevo a partir del %s. Para cambiarla antes, llame al paciente.",
		"desk.page.window.early": "Todavía no se puede registrar la asistencia: la cita empieza el %[1]s. Regístrela desde ese momento hasta el %[2]s.",
		"desk.page.window.late":  "Ya no se puede registrar la asistencia: el plazo terminó el %s, una semana después del inicio de la cita. La solicitud queda como está.",

		// The staff's versions of the patient pages' sentences
		// (staffVersions).
		"desk.page.questions":         "¿Tiene preguntas? Llame al",
		"desk.page.status.received":   "Solicitud recibida; todavía nadie se ha comunicado con el paciente.",
		"desk.page.status.contacted":  "La recepción ya se comunicó con el paciente.",
		"desk.page.status.declined":   "Solicitud rechazada.",
		"desk.page.status.attended":   "El paciente asistió a la cita.",
		"desk.page.status.noShow":     "El paciente no se presentó a la cita.",
		"desk.page.did.schedule":      "El %[1]s, se programó la cita para el %[2]s.",
		"desk.page.did.reschedule":    "El %[1]s, se reprogramó la cita para el %[2]s.",
		"desk.page.did.contact":       "El %s, se registró el contacto con el paciente.",
		"desk.page.did.decline":       "El %s, se rechazó la solicitud.",
		"desk.page.did.cancelBooking": "El %s, la recepción canceló la cita.",
		"desk.page.did.attended":      "El %s, se registró que el paciente asistió.",
		"desk.page.did.noShow":        "El %s, se registró que el paciente no se presentó.",
		"desk.page.did.cancel":        "El %s, el paciente canceló su solicitud.",
		"desk.page.did.cancel.booked": "El %s, el paciente canceló su cita.",
		"desk.page.did.message":       " Mensaje al paciente: “%s”",
		"desk.page.outcome.status":    "Esta acción ya no es posible: el estado de la solicitud es “%s”.",
	},
}

// staffVersions are the sentences the front desk's pages share with the
// patient's in English, by the key of the front desk's and then of the
// patient's (catalog_pages.go): English says them to either alike, and
// Spanish, which speaks to the patient as "usted", says them to staff of
// the patient. Their English is the patient's, written once.
var staffVersions = map[string]string{
	"desk.page.questions":         "page.questions",
	"desk.page.status.received":   "page.status.received",
	"desk.page.status.contacted":  "page.status.contacted",
	"desk.page.status.declined":   "page.status.declined",
	"desk.page.status.attended":   "page.status.attended",
	"desk.page.status.noShow":     "page.status.noShow",
	"desk.page.did.schedule":      "page.did.schedule",
	"desk.page.did.reschedule":    "page.did.reschedule",
	"desk.page.did.contact":       "page.did.contact",
	"desk.page.did.decline":       "page.did.decline",
	"desk.page.did.cancelBooking": "page.did.cancelBooking",
	"desk.page.did.attended":      "page.did.attended",
	"desk.page.did.noShow":        "page.did.noShow",
	"desk.page.did.cancel":        "page.did.cancel",
	"desk.page.did.cancel.booked": "page.did.cancel",
	"desk.page.did.message":       "page.did.message",
	"desk.page.outcome.status":    "page.outcome.status",
}

// withStaffEnglish returns msgs with the English of staffVersions added.
func withStaffEnglish(msgs map[string]string) map[string]string {
	out := maps.Clone(msgs)
	for desk, patient := range staffVersions {
		out[desk] = pageMessages[English][patient]
	}
	return out
}
