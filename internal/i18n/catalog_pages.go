package i18n

// pageMessages are the words of the action pages a patient reaches from
// their emails: the cancel page in each of its states and the pages of a
// link that cannot be used. The front desk's pages are in the clinic's
// language and share the words they have in common with the patient's
// (the request's details, where it stands); the Spanish here is read by
// patients, and speaks to them.
var pageMessages = map[Language]map[string]string{
	English: {
		// Weekday, month, day, time of day, zone: "Wednesday, December 9
		// at 9:30 AM". The English pages name no zone, as they always
		// have: %.0[5]s takes the zone and prints none of it.
		"page.when": "%[1]s, %[2]s %[3]d at %[4]s%.0[5]s",
		// The same, at one o'clock, which Spanish says in the singular.
		"page.when.one": "%[1]s, %[2]s %[3]d at %[4]s%.0[5]s",
		// When, then length in minutes: an appointment as the pages name it.
		"page.booking": "%[1]s (%[2]d minutes)",
		// When, length in minutes, clinician.
		"page.booking.with": "%[1]s (%[2]d minutes) with %[3]s",

		"page.questions": "Questions? Call",
		"page.done":      "Done.",
		"page.fields":    "Please check the fields marked below.",
		"page.others":    "Other things you can do:",
		// The name of the list of other actions, for screen readers.
		"page.others.label": "Other actions",
		"page.history":      "History",

		"page.row.reference": "Reference",
		"page.row.service":   "Service",
		"page.row.location":  "Location",
		"page.row.received":  "Received",

		"page.status.received":  "Received; nobody has called back yet.",
		"page.status.contacted": "The front desk has been in touch.",
		// The appointment, as page.booking says it.
		"page.status.booked":    "Booked for %s.",
		"page.status.scheduled": "Booked.",
		"page.status.declined":  "Declined.",
		"page.status.cancelled": "Cancelled.",
		"page.status.attended":  "The patient came to the appointment.",
		"page.status.noShow":    "The patient did not come to the appointment.",

		// When it was done, then the appointment, as page.booking says it.
		"page.did.schedule":   "Scheduled on %[1]s for %[2]s.",
		"page.did.reschedule": "Rescheduled on %[1]s to %[2]s.",
		// When it was done.
		"page.did.contact":       "Marked as contacted on %s.",
		"page.did.decline":       "Declined on %s.",
		"page.did.cancelBooking": "Cancelled by the front desk on %s.",
		"page.did.attended":      "Marked as attended on %s.",
		"page.did.noShow":        "Marked as no-show on %s.",
		"page.did.cancel":        "Cancelled by the patient on %s.",
		// The appointment, as page.booking says it, then when the patient
		// cancelled it, as the patient reads it.
		"page.did.cancel.yours.booked": "You cancelled your appointment of %[1]s on %[2]s.",
		"page.did.cancel.yours":        "You cancelled your appointment request on %s.",
		// The front desk's message to the patient, after a decline or a
		// cancel.
		"page.did.message": " Message to the patient: “%s”",

		// What happened to the request, as page.did.* says it.
		"page.outcome": "This can no longer be done. %s",
		// The request's status, as stored.
		"page.outcome.status": "This can no longer be done: the request is %s.",

		"page.cancel.title":         "Cancel your appointment request",
		"page.cancel.title.booked":  "Cancel your appointment",
		"page.cancel.button":        "Cancel my request",
		"page.cancel.button.booked": "Cancel my appointment",
		"page.cancel.confirm":       "We will tell the front desk, and free the time for someone else.",

		"page.problem.noPage.title":     "This page does not exist",
		"page.problem.noPage.text":      "Check the link in your email, or call us.",
		"page.problem.method.title":     "This page cannot do that",
		"page.problem.method.text":      "Open the link from your email.",
		"page.problem.invalid.title":    "This link is not valid",
		"page.problem.invalid.text":     "It may have been copied incompletely. Open it again from your email, or call us.",
		"page.problem.unreadable.title": "The form could not be read",
		"page.problem.unreadable.text":  "Go back and send it again.",
		"page.problem.expired.title":    "This link has expired",
		// When it stopped working, then what to do instead
		// (page.problem.expired.patient or .frontDesk).
		"page.problem.expired.text": "It stopped working on %[1]s. %[2]s",
		// The clinic's phone number.
		"page.problem.expired.patient":   "To change or cancel your appointment request, call us at %s.",
		"page.problem.expired.frontDesk": "The morning digest carries fresh links for every open request.",
		"page.problem.notFound.title":    "This request is no longer on file",
		"page.problem.notFound.text":     "Requests are kept for a limited time. Call us if you still need an appointment.",
		"page.problem.unavailable.title": "Please try again in a minute",
		"page.problem.unavailable.text":  "We could not reach our records just now. Nothing was changed.",
		"page.problem.bug.title":         "Error",
		"page.problem.bug.text":          "Something went wrong on our side. Please call us.",
	},
	Spanish: {
		// "miércoles, 9 de diciembre, a las 9:30 a. m. (MST)".
		"page.when":         "%[1]s, %[3]d de %[2]s, a las %[4]s (%[5]s)",
		"page.when.one":     "%[1]s, %[3]d de %[2]s, a la %[4]s (%[5]s)",
		"page.booking":      "%[1]s, de %[2]d minutos",
		"page.booking.with": "%[1]s, de %[2]d minutos, con %[3]s",

		"page.questions":    "¿Tiene preguntas? Llámenos al",
		"page.done":         "Listo.",
		"page.fields":       "Revise los campos marcados abajo.",
		"page.others":       "También puede:",
		"page.others.label": "Otras acciones",
		"page.history":      "Historial",

		"page.row.reference": "Número de referencia",
		"page.row.service":   "Servicio",
		"page.row.location":  "Sede",
		"page.row.received":  "Recibida",

		"page.status.received":  "Solicitud recibida; todavía no nos hemos comunicado con usted.",
		"page.status.contacted": "La recepción ya se comunicó con usted.",
		"page.status.booked":    "Cita programada para el %s.",
		"page.status.scheduled": "Cita programada.",
		"page.status.declined":  "Solicitud no aceptada.",
		"page.status.cancelled": "Cancelada.",
		"page.status.attended":  "Asistió a la cita.",
		"page.status.noShow":    "No asistió a la cita.",

		"page.did.schedule":            "La recepción programó su cita el %[1]s para el %[2]s.",
		"page.did.reschedule":          "La recepción cambió su cita el %[1]s para el %[2]s.",
		"page.did.contact":             "La recepción se comunicó con usted el %s.",
		"page.did.decline":             "La clínica no aceptó su solicitud el %s.",
		"page.did.cancelBooking":       "La recepción canceló su cita el %s.",
		"page.did.attended":            "Su asistencia a la cita quedó registrada el %s.",
		"page.did.noShow":              "El %s, se registró que no asistió a la cita.",
		"page.did.cancel":              "El paciente canceló el %s.",
		"page.did.cancel.yours.booked": "El %[2]s, usted canceló su cita del %[1]s.",
		"page.did.cancel.yours":        "El %s, usted canceló su solicitud de cita.",
		"page.did.message":             " Mensaje de la clínica: “%s”",

		"page.outcome":        "Esta acción ya no es posible. %s",
		"page.outcome.status": "Esta acción ya no es posible: el estado de la solicitud es %s.",

		"page.cancel.title":         "Cancelar su solicitud de cita",
		"page.cancel.title.booked":  "Cancelar su cita",
		"page.cancel.button":        "Cancelar mi solicitud",
		"page.cancel.button.booked": "Cancelar mi cita",
		"page.cancel.confirm":       "Le avisaremos a la recepción y el horario quedará libre para otra persona.",

		"page.problem.noPage.title":      "Esta página no existe",
		"page.problem.noPage.text":       "Revise el enlace de su correo electrónico o llámenos.",
		"page.problem.method.title":      "Esta página no permite hacer eso",
		"page.problem.method.text":       "Abra el enlace desde su correo electrónico.",
		"page.problem.invalid.title":     "Este enlace no es válido",
		"page.problem.invalid.text":      "Es posible que no se haya copiado completo. Ábralo de nuevo desde su correo electrónico o llámenos.",
		"page.problem.unreadable.title":  "No pudimos leer el formulario",
		"page.problem.unreadable.text":   "Regrese y envíelo de nuevo.",
		"page.problem.expired.title":     "Este enlace ya venció",
		"page.problem.expired.text":      "Dejó de funcionar el %[1]s. %[2]s",
		"page.problem.expired.patient":   "Para cambiar o cancelar su solicitud de cita, llámenos al %s.",
		"page.problem.expired.frontDesk": "El resumen de cada mañana trae enlaces nuevos para todas las solicitudes abiertas.",
		"page.problem.notFound.title":    "Esta solicitud ya no está en nuestros registros",
		"page.problem.notFound.text":     "Guardamos las solicitudes por un tiempo limitado. Llámenos si todavía necesita una cita.",
		"page.problem.unavailable.title": "Intente de nuevo en un minuto",
		"page.problem.unavailable.text":  "En este momento no pudimos consultar nuestros registros. No se hizo ningún cambio.",
		"page.problem.bug.title":         "Error",
		"page.problem.bug.text":          "Tuvimos un problema de nuestro lado. Por favor, llámenos.",
	},
}
