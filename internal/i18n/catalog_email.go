package i18n

// emailMessages are the words of the emails to patients.
var emailMessages = map[Language]map[string]string{
	English: {},
	Spanish: {},
}
