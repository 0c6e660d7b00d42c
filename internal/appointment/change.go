package appointment

// ChangeEvent is what kind of change a stored request went through.
type ChangeEvent string

// The changes a table's stream reports.
const (
	ChangeCreated  ChangeEvent = "created"
	ChangeModified ChangeEvent = "modified"
	ChangeRemoved  ChangeEvent = "removed"
)

// Change is what happened to a stored request, as the table's stream
// reports it: Before is the request as it was and After as it is now, each
// when the stream shows it. A change to anything other than a request has
// neither.
type Change struct {
	Event         ChangeEvent
	Before, After *Request
}

// IsCreation reports whether the change stored a new request.
func (c Change) IsCreation() bool { return c.Event == ChangeCreated && c.After != nil }
