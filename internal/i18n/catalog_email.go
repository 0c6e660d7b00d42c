package i18n

// emailMessages are the words of the emails to patients, and of the
// calendar invitations those emails carry.
//
// A sentence that holds a link is split where the link goes, so that the
// link's markup stays in the template: "email.change.time" is the words
// before the clinic's telephone number, "email.change.reply" those after.
var emailMessages = map[Language]map[string]string{
	English: {
		// Dates and times. A time with its zone's abbreviation; a day and a
		// time together; a day without its year, as a subject says it
		// (weekday, month, day).
		"email.time.zone":  "%s %s",
		"email.at":         "%s at %s",
		"email.date.short": "%s, %s %d",

		// How long an appointment lasts: hours, minutes, and both.
		"email.length.hour.one":     "1 hour",
		"email.length.hour.other":   "%d hours",
		"email.length.minute.one":   "1 minute",
		"email.length.minute.other": "%d minutes",
		"email.length.join":         "%s %s",

		// Preferred days and times, as in "Monday or Wednesday, in the
		// morning".
		"email.preferred.anyDay":    "any day",
		"email.preferred.anyTime":   "%s, any time",
		"email.preferred.in":        "%s, in the %s",
		"email.preferred.morning":   "morning",
		"email.preferred.afternoon": "afternoon",
		"email.preferred.evening":   "evening",
		"email.or":                  "%s or %s",

		"email.greeting":      "Hello,",
		"email.greeting.name": "Hi %s,",

		"email.label.service":         "Service",
		"email.label.location":        "Location",
		"email.label.reference":       "Reference",
		"email.label.preferred":       "Preferred times",
		"email.label.length":          "Length",
		"email.label.clinician":       "Clinician",
		"email.label.previously":      "Previously",
		"email.label.note":            "A note from our front desk",
		"email.label.message":         "A message from our front desk",
		"email.label.yourAppointment": "Your appointment",
		"email.label.phone":           "Phone:",
		"email.label.website":         "Website:",

		"email.section.yourRequest":    "Your request",
		"email.section.next":           "What happens next",
		"email.section.whatToExpect":   "What to expect",
		"email.section.whatToBring":    "What to bring",
		"email.section.changeOrCancel": "Change or cancel",
		"email.section.contactUs":      "Contact us",

		"email.needToCancel":      "Need to cancel?",
		"email.cancelRequest":     "Cancel this request",
		"email.cancelAppointment": "Cancel this appointment",
		// The words before and after the clinic's number: to change the
		// time (the email has a cancel link), or to change or cancel.
		"email.change.time":  "To change the time, call us at",
		"email.change.any":   "To change or cancel your appointment, call us at",
		"email.change.reply": "or reply to this email.",

		"email.footer.asked":    "You received this email because you asked for an appointment on our website.",
		"email.footer.ignore":   "You received this email because you asked for an appointment on our website. If that was not you, you can ignore this email.",
		"email.footer.reminder": "You received this email because you have an appointment booked with us.",

		// The confirmation of a new request. The clinic's name; the
		// number of business hours; then the moment an answer is due.
		"email.patient.subject":         "We received your appointment request",
		"email.patient.thanks":          "Thank you for asking for an appointment with %s. Your request has reached our front desk.",
		"email.patient.yourReference":   "Your reference",
		"email.patient.keepReference":   "Please have it at hand when you call us about this request.",
		"email.patient.next.contact":    "Our front desk will contact you to find an appointment time that suits you.",
		"email.patient.next.phone":      "Our front desk will call you to find an appointment time that suits you.",
		"email.patient.next.email":      "Our front desk will email you to find an appointment time that suits you.",
		"email.patient.next.text":       "Our front desk will text you to find an appointment time that suits you.",
		"email.patient.promise.one":     "We answer every request within %d business hour.",
		"email.patient.promise.other":   "We answer every request within %d business hours.",
		"email.patient.promiseBy.one":   "We answer every request within %d business hour, so you will hear from us by %s at the latest.",
		"email.patient.promiseBy.other": "We answer every request within %d business hours, so you will hear from us by %s at the latest.",
		"email.patient.booked":          "Your appointment is booked once we have agreed on a time with you.",
		"email.patient.questions":       "Questions about your request? Reply to this email or call us.",

		// The booking, and the booking moved to a new time: the subject
		// ends with the appointment's day and time; the clinic's name.
		"email.booking.subject": "Your appointment is booked: %s",
		"email.booking.heading": "Your appointment is booked",
		"email.booking.intro":   "Your appointment with %s is booked. We look forward to seeing you.",
		"email.moved.subject":   "Your appointment has moved: %s",
		"email.moved.heading":   "Your appointment has moved",
		"email.moved.intro":     "Your appointment with %s has moved to a new time. The attached invitation updates it in your calendar.",

		"email.reminder.subject": "Reminder: your appointment on %s",
		"email.reminder.heading": "A reminder of your appointment",
		"email.reminder.intro":   "This is a reminder of your upcoming appointment with %s. We look forward to seeing you.",

		// The cancellation: the subject's day; the clinic's name. The
		// words of "email.cancelled.again" come before the clinic's
		// number, those of "email.cancelled.orWebsite" between it and the
		// clinic's website.
		"email.cancelled.subject":          "Your appointment on %s is cancelled",
		"email.cancelled.heading":          "Your appointment is cancelled",
		"email.cancelled.byClinic":         "We are sorry: %s has cancelled your appointment.",
		"email.cancelled.asked":            "Your appointment with %s is cancelled, as you asked.",
		"email.cancelled.label":            "Cancelled appointment",
		"email.cancelled.calendar":         "If the appointment is in your calendar, the update attached to this email removes it.",
		"email.cancelled.stillNeedCare":    "Still need care?",
		"email.cancelled.again":            "We would be glad to see you another time. Call us at",
		"email.cancelled.orWebsite":        ", or send a new request on our website,",
		"email.cancelled.footer.byClinic":  "You received this email because our front desk cancelled your appointment. If you have questions, please call us.",
		"email.cancelled.footer.byPatient": "You received this email because your appointment was cancelled with the link in our emails. If you did not cancel it, please call us.",

		// The decline: the request's reference; the clinic's name. The
		// clinic's number comes between "email.declined.call" and
		// "email.declined.help".
		"email.declined.subject": "About your appointment request %s",
		"email.declined.heading": "About your appointment request",
		"email.declined.sorry":   "Thank you for asking for an appointment with %s. We are sorry we cannot offer you an appointment for this request.",
		"email.declined.call":    "Call us at",
		"email.declined.help":    "and we will help you find the right care.",

		// The patient's calendar invitation: the service and the clinic;
		// the clinic's name and number.
		"calendar.summary":   "%s at %s",
		"calendar.cancelled": "This appointment is cancelled.",
		"calendar.reference": "Reference: %s",
		"calendar.clinician": "Clinician: %s",
		"calendar.note":      "Note: %s",
		"calendar.change":    "To change or cancel, call %s at %s.",
	},
	Spanish: {
		// "9:30 a. m. (MST)"; "miércoles, 9 de diciembre de 2026, 9:30 a. m.
		// (MST)"; "miércoles, 9 de diciembre".
		"email.time.zone":  "%s (%s)",
		"email.at":         "%s, %s",
		"email.date.short": "%[1]s, %[3]d de %[2]s",

		"email.length.hour.one":     "1 hora",
		"email.length.hour.other":   "%d horas",
		"email.length.minute.one":   "1 minuto",
		"email.length.minute.other": "%d minutos",
		"email.length.join":         "%s y %s",

		// "Lunes o miércoles, por la mañana o por la tarde".
		"email.preferred.anyDay":    "cualquier día",
		"email.preferred.anyTime":   "%s, a cualquier hora",
		"email.preferred.in":        "%s, %s",
		"email.preferred.morning":   "por la mañana",
		"email.preferred.afternoon": "por la tarde",
		"email.preferred.evening":   "por la noche",
		"email.or":                  "%s o %s",

		"email.greeting":      "Hola:",
		"email.greeting.name": "Hola, %s:",

		"email.label.service":         "Servicio",
		"email.label.location":        "Sede",
		"email.label.reference":       "Número de referencia",
		"email.label.preferred":       "Horarios de preferencia",
		"email.label.length":          "Duración",
		"email.label.clinician":       "Profesional",
		"email.label.previously":      "Horario anterior",
		"email.label.note":            "Una nota de nuestra recepción",
		"email.label.message":         "Un mensaje de nuestra recepción",
		"email.label.yourAppointment": "Su cita",
		"email.label.phone":           "Teléfono:",
		"email.label.website":         "Sitio web:",

		"email.section.yourRequest":    "Su solicitud",
		"email.section.next":           "Próximos pasos",
		"email.section.whatToExpect":   "Qué esperar",
		"email.section.whatToBring":    "Qué traer",
		"email.section.changeOrCancel": "Cambiar o cancelar",
		"email.section.contactUs":      "Contáctenos",

		"email.needToCancel":      "¿Necesita cancelar?",
		"email.cancelRequest":     "Cancelar esta solicitud",
		"email.cancelAppointment": "Cancelar esta cita",
		"email.change.time":       "Para cambiar el horario, llámenos al",
		"email.change.any":        "Para cambiar o cancelar su cita, llámenos al",
		"email.change.reply":      "o responda a este correo.",

		"email.footer.asked":    "Recibió este correo porque solicitó una cita en nuestro sitio web.",
		"email.footer.ignore":   "Recibió este correo porque solicitó una cita en nuestro sitio web. Si no fue usted, puede ignorar este mensaje.",
		"email.footer.reminder": "Recibió este correo porque tiene una cita programada con nosotros.",

		"email.patient.subject":         "Recibimos su solicitud de cita",
		"email.patient.thanks":          "Gracias por solicitar una cita en %s. Su solicitud ya llegó a nuestra recepción.",
		"email.patient.yourReference":   "Su número de referencia",
		"email.patient.keepReference":   "Téngalo a mano cuando nos llame por esta solicitud.",
		"email.patient.next.contact":    "Nuestra recepción se comunicará con usted para acordar un horario que le convenga.",
		"email.patient.next.phone":      "Nuestra recepción le llamará para acordar un horario que le convenga.",
		"email.patient.next.email":      "Nuestra recepción le escribirá por correo electrónico para acordar un horario que le convenga.",
		"email.patient.next.text":       "Nuestra recepción le enviará un mensaje de texto para acordar un horario que le convenga.",
		"email.patient.promise.one":     "Respondemos todas las solicitudes en un plazo de %d hora hábil.",
		"email.patient.promise.other":   "Respondemos todas las solicitudes en un plazo de %d horas hábiles.",
		"email.patient.promiseBy.one":   "Respondemos todas las solicitudes en un plazo de %d hora hábil, así que tendrá noticias nuestras a más tardar el %s.",
		"email.patient.promiseBy.other": "Respondemos todas las solicitudes en un plazo de %d horas hábiles, así que tendrá noticias nuestras a más tardar el %s.",
		"email.patient.booked":          "Su cita quedará confirmada cuando acordemos un horario con usted.",
		"email.patient.questions":       "¿Tiene preguntas sobre su solicitud? Responda a este correo o llámenos.",

		"email.booking.subject": "Su cita está confirmada: %s",
		"email.booking.heading": "Su cita está confirmada",
		"email.booking.intro":   "Su cita en %s está confirmada. Será un gusto atenderle.",
		"email.moved.subject":   "Su cita cambió de horario: %s",
		"email.moved.heading":   "Su cita cambió de horario",
		"email.moved.intro":     "Su cita en %s tiene un nuevo horario. La invitación adjunta actualiza la cita en su calendario.",

		"email.reminder.subject": "Recordatorio: su cita del %s",
		"email.reminder.heading": "Recordatorio de su cita",
		"email.reminder.intro":   "Le recordamos su próxima cita en %s. Será un gusto atenderle.",

		"email.cancelled.subject":          "Se canceló su cita del %s",
		"email.cancelled.heading":          "Su cita está cancelada",
		"email.cancelled.byClinic":         "Lo sentimos: %s canceló su cita.",
		"email.cancelled.asked":            "Cancelamos su cita en %s, como usted lo pidió.",
		"email.cancelled.label":            "Cita cancelada",
		"email.cancelled.calendar":         "Si la cita está en su calendario, la actualización adjunta a este correo la eliminará.",
		"email.cancelled.stillNeedCare":    "¿Todavía necesita atención?",
		"email.cancelled.again":            "Con gusto le atenderemos en otro momento. Llámenos al",
		"email.cancelled.orWebsite":        " o envíe una nueva solicitud en nuestro sitio web,",
		"email.cancelled.footer.byClinic":  "Recibió este correo porque nuestra recepción canceló su cita. Si tiene preguntas, llámenos.",
		"email.cancelled.footer.byPatient": "Recibió este correo porque su cita se canceló con el enlace que le enviamos por correo. Si usted no la canceló, llámenos.",

		"email.declined.subject": "Sobre su solicitud de cita %s",
		"email.declined.heading": "Sobre su solicitud de cita",
		"email.declined.sorry":   "Gracias por solicitar una cita en %s. Lamentamos no poder ofrecerle una cita para esta solicitud.",
		"email.declined.call":    "Llámenos al",
		"email.declined.help":    "y le ayudaremos a encontrar la atención adecuada.",

		"calendar.summary":   "%s en %s",
		"calendar.cancelled": "Esta cita está cancelada.",
		"calendar.reference": "Número de referencia: %s",
		"calendar.clinician": "Profesional: %s",
		"calendar.note":      "Nota: %s",
		"calendar.change":    "Para cambiar o cancelar la cita, llame a %s al %s.",
	},
}
