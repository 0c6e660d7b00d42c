package i18n

// catalogs hold every message patients and the front desk read in each
// language, by key, gathered from the catalog's sections. Entries are fmt
// formats: a key whose English takes arguments takes the same ones, in the
// same order, in Spanish (%[2]s picks an argument out of order). The
// Spanish is Latin American, and speaks to the patient as "usted".
var catalogs = gather(coreMessages, formMessages, emailMessages, pageMessages,
	deskEmailMessages, deskDigestMessages, deskPageMessages, deskFormMessages)

// gather merges the catalog's sections, each kept in a file of its own
// (this one, catalog_form.go, catalog_email.go, catalog_pages.go and the
// front desk's catalog_desk_*.go). A key in two sections is a mistake that
// would hide one of its messages.
func gather(sections ...map[Language]map[string]string) map[Language]map[string]string {
	out := map[Language]map[string]string{}
	for _, section := range sections {
		for l, msgs := range section {
			if out[l] == nil {
				out[l] = map[string]string{}
			}
			for k, m := range msgs {
				if _, dup := out[l][k]; dup {
					panic("i18n: the catalog has " + k + " twice")
				}
				out[l][k] = m
			}
		}
	}
	return out
}

// coreMessages are the words every part of the product uses: the
// languages' names, dates and times.
var coreMessages = map[Language]map[string]string{
	English: {
		"language.en": "English",
		"language.es": "Spanish",

		"weekday.0": "Sunday",
		"weekday.1": "Monday",
		"weekday.2": "Tuesday",
		"weekday.3": "Wednesday",
		"weekday.4": "Thursday",
		"weekday.5": "Friday",
		"weekday.6": "Saturday",

		"month.1":  "January",
		"month.2":  "February",
		"month.3":  "March",
		"month.4":  "April",
		"month.5":  "May",
		"month.6":  "June",
		"month.7":  "July",
		"month.8":  "August",
		"month.9":  "September",
		"month.10": "October",
		"month.11": "November",
		"month.12": "December",

		// Weekday, month, day, year.
		"date.long": "%s, %s %d, %s",
		// Hour, minute, a.m. or p.m.
		"clock.time": "%d:%02d %s",
		"clock.am":   "AM",
		"clock.pm":   "PM",

		"field.language.invalid": "Please choose English or Spanish.",
	},
	Spanish: {
		"language.en": "inglés",
		"language.es": "español",

		"weekday.0": "domingo",
		"weekday.1": "lunes",
		"weekday.2": "martes",
		"weekday.3": "miércoles",
		"weekday.4": "jueves",
		"weekday.5": "viernes",
		"weekday.6": "sábado",

		"month.1":  "enero",
		"month.2":  "febrero",
		"month.3":  "marzo",
		"month.4":  "abril",
		"month.5":  "mayo",
		"month.6":  "junio",
		"month.7":  "julio",
		"month.8":  "agosto",
		"month.9":  "septiembre",
		"month.10": "octubre",
		"month.11": "noviembre",
		"month.12": "diciembre",

		// Weekday, month, day, year: "miércoles, 9 de diciembre de 2026".
		"date.long":  "%[1]s, %[3]d de %[2]s de %[4]s",
		"clock.time": "%d:%02d %s",
		"clock.am":   "a. m.",
		"clock.pm":   "p. m.",

		"field.language.invalid": "Elija inglés o español.",
	},
}
