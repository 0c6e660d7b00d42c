package email

import (
	"io"
	"strings"
)

// renderer renders a template with the view it is for: an html/template
// or text/template template, executed as usual.
type renderer struct {
	t interface {
		Execute(io.Writer, any) error
	}
}

func (r renderer) execute(data any) (string, error) {
	var b strings.Builder
	err := r.t.Execute(&b, data)
	return b.String(), err
}
