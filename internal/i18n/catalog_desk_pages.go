package i18n

// deskPageMessages are the words only the front desk's action pages say, in the clinic's language.
var deskPageMessages = map[Language]map[string]string{
	English: {},
	Spanish: {},
}
