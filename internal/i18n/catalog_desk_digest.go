package i18n

// deskDigestMessages are the front desk's morning digest, its day sheet, and the calendar copy of each booking, in the clinic's language.
var deskDigestMessages = map[Language]map[string]string{
	English: {},
	Spanish: {},
}
