package i18n

// deskEmailMessages are the words of the front desk's emails about one
// request: the new request, the patient's cancel and the bounce notice,
// in the clinic's language.
//
// Labels the patient's emails already have (the service, the location,
// the reference, the preferred times, the phone) are theirs:
// "email.label.*". The way the patient asked to be contacted is named as
// the form offers it: "form.choice.contact.*".
var deskEmailMessages = map[Language]map[string]string{
	English: {
		// The new request: its reference, the service and the location.
		"desk.email.new.subject": "New appointment request %s: %s, %s",
		"desk.email.new.heading": "New appointment request",

		// What minimal mode leaves out, and where to see it.
		"desk.email.minimal.request": "The patient's name, contact details and reason are left out of this email.",
		"desk.email.minimal.open":    "Open the request to see them.",
		"desk.email.minimal.contact": "The patient's name and contact details are left out of this email.",

		"desk.email.section.request": "Request",
		"desk.email.section.act":     "Act on this request",

		"desk.email.label.email":             "Email:",
		"desk.email.label.patient":           "Patient",
		"desk.email.label.contactPreference": "Contact preference",
		"desk.email.label.language":          "Language",
		"desk.email.label.reason":            "Reason",
		"desk.email.label.received":          "Received",
		"desk.email.label.answerBy":          "Answer by",
		"desk.email.label.cancelled":         "Cancelled",

		"desk.email.patient.new":       "New patient",
		"desk.email.patient.returning": "Returning patient",
		"desk.email.patient.notStated": "Not stated",
		"desk.email.noPreference":      "No preference",
		"desk.email.noReason":          "None given",

		// The links that act on the request, with the words of the action
		// pages; in minimal mode the contact link is the way in to the
		// patient's details.
		"desk.email.actions.intro":   "Each link opens a page about this request; nothing changes until you press the button there.",
		"desk.email.action.contact":  "Mark as contacted",
		"desk.email.action.open":     "Open the request",
		"desk.email.action.schedule": "Schedule",
		"desk.email.action.decline":  "Decline",

		// The footers: the clinic's name. Only emails the patient can be
		// reached from say to reply.
		"desk.email.footer.reply":     "Reply to this email to write to the patient.",
		"desk.email.footer.form":      "Sent by the appointment request form on the %s website.",
		"desk.email.footer.cancelled": "The patient cancelled with the link in an email from %s.",

		// The patient's confirmation bounced: the request's reference; the
		// clinic's name.
		"desk.email.bounce.subject": "Call the patient: the confirmation of %s bounced",
		"desk.email.bounce.heading": "The confirmation to this patient bounced: call them",
		"desk.email.bounce.notice":  "The email address the patient gave does not accept mail, so they have not heard from %s. Call them about the request, and ask for an address that works.",

		// The patient cancelled: the request's reference and the service;
		// the time that is free again.
		"desk.email.cancel.subject": "Cancelled by the patient: %s, %s",
		"desk.email.cancel.heading": "Cancelled by the patient",
		"desk.email.cancel.nothing": "Nothing was booked for this request yet.",
		"desk.email.cancel.freed":   "The appointment on %s is now free.",
	},
	Spanish: {
		"desk.email.new.subject": "Nueva solicitud de cita %s: %s, %s",
		"desk.email.new.heading": "Nueva solicitud de cita",

		"desk.email.minimal.request": "Este correo no incluye el nombre del paciente, sus datos de contacto ni el motivo de la consulta.",
		"desk.email.minimal.open":    "Abra la solicitud para verlos.",
		"desk.email.minimal.contact": "Este correo no incluye el nombre del paciente ni sus datos de contacto.",

		"desk.email.section.request": "Solicitud",
		"desk.email.section.act":     "Gestionar esta solicitud",

		"desk.email.label.email":             "Correo electrónico:",
		"desk.email.label.patient":           "Paciente",
		"desk.email.label.contactPreference": "Forma de contacto preferida",
		"desk.email.label.language":          "Idioma",
		"desk.email.label.reason":            "Motivo de la consulta",
		"desk.email.label.received":          "Recibida",
		"desk.email.label.answerBy":          "Plazo de respuesta",
		"desk.email.label.cancelled":         "Fecha de cancelación",

		"desk.email.patient.new":       "Paciente nuevo",
		"desk.email.patient.returning": "Ya se ha atendido en la clínica",
		"desk.email.patient.notStated": "No lo indicó",
		"desk.email.noPreference":      "Sin preferencia",
		"desk.email.noReason":          "No lo indicó",

		"desk.email.actions.intro":   "Cada enlace abre una página sobre esta solicitud; nada cambia hasta que presione el botón de esa página.",
		"desk.email.action.contact":  "Marcar como contactado",
		"desk.email.action.open":     "Abrir la solicitud",
		"desk.email.action.schedule": "Programar la cita",
		"desk.email.action.decline":  "Rechazar",

		"desk.email.footer.reply":     "Responda a este correo para escribirle al paciente.",
		"desk.email.footer.form":      "Enviado desde el formulario de solicitud de citas del sitio web de %s.",
		"desk.email.footer.cancelled": "El paciente canceló con el enlace de un correo de %s.",

		"desk.email.bounce.subject": "Llame al paciente: no se pudo entregar la confirmación de %s",
		"desk.email.bounce.heading": "No se pudo entregar la confirmación: llame al paciente",
		"desk.email.bounce.notice":  "La dirección de correo electrónico que dio el paciente no recibe mensajes, así que no ha tenido noticias de %s. Comuníquese por teléfono para hablar de la solicitud y pídale una dirección de correo que funcione.",

		"desk.email.cancel.subject": "Solicitud cancelada por el paciente: %s, %s",
		"desk.email.cancel.heading": "Solicitud cancelada por el paciente",
		"desk.email.cancel.nothing": "Todavía no se había programado ninguna cita para esta solicitud.",
		"desk.email.cancel.freed":   "El horario del %s quedó libre.",
	},
}
