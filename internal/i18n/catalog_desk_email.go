package i18n

// deskEmailMessages are the front desk's emails about one request: the new request, the patient's cancel and the bounce notice, in the clinic's language.
var deskEmailMessages = map[Language]map[string]string{
	English: {},
	Spanish: {},
}
