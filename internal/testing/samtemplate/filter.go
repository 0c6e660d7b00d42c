package samtemplate

import "fmt"

// EventFilters returns the filter patterns of a function's event source
// (Events.<event>.Properties.FilterCriteria.Filters[].Pattern in the
// template), as the JSON texts Lambda matches records against.
func EventFilters(template []byte, function, event string) ([]string, error) {
	d, err := parse(template)
	if err != nil {
		return nil, err
	}
	res, _, err := d.resource(function)
	if err != nil {
		return nil, err
	}
	path := function + ".Properties.Events." + event
	ev := field(field(field(res, "Properties"), "Events"), event)
	if ev == nil {
		return nil, fmt.Errorf("%s is missing", path)
	}
	path += ".Properties.FilterCriteria.Filters"
	filters, err := sequence(field(field(field(ev, "Properties"), "FilterCriteria"), "Filters"), path)
	if err != nil {
		return nil, err
	}
	patterns := make([]string, 0, len(filters))
	for i, f := range filters {
		p, err := literal(field(f, "Pattern"), fmt.Sprintf("%s[%d].Pattern", path, i))
		if err != nil {
			return nil, err
		}
		patterns = append(patterns, p)
	}
	return patterns, nil
}
