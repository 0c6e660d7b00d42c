package i18n

// formMessages are the words of the form, its errors and its thank-you, as the API and the demo form answer them.
var formMessages = map[Language]map[string]string{
	English: {},
	Spanish: {},
}
