package i18n

// pageMessages are the words of the patient's action pages.
var pageMessages = map[Language]map[string]string{
	English: {},
	Spanish: {},
}
