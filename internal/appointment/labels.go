package appointment

// Labels of the fixed choices, as the form offers them and the emails
// repeat them. Every value the form accepts has one (see labels_test.go).
var (
	dayLabels = map[string]string{
		"mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday",
		"fri": "Friday", "sat": "Saturday", "sun": "Sunday",
	}
	timeLabels = map[string]string{
		"morning": "Morning", "afternoon": "Afternoon", "evening": "Evening",
	}
	contactMethodLabels = map[string]string{
		"phone": "Phone call", "email": "Email", "text": "Text message",
	}
)

// DayLabel names a preferred day ("mon" is "Monday"), or returns the ID
// itself when it is not one.
func DayLabel(id string) string { return label(dayLabels, id) }

// TimeLabel names a preferred time of day ("morning" is "Morning").
func TimeLabel(id string) string { return label(timeLabels, id) }

// ContactMethodLabel names a way of being contacted ("text" is "Text
// message").
func ContactMethodLabel(id string) string { return label(contactMethodLabels, id) }

func label(labels map[string]string, id string) string {
	if l, ok := labels[id]; ok {
		return l
	}
	return id
}
