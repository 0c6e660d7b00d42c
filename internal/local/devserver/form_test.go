package devserver

import (
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/clinic"
)

// htmlNode is a node of a parsed page: enough of a DOM to ask what a
// browser and a screen reader would find in the markup.
type htmlNode struct {
	tag      string
	attrs    map[string]string
	parent   *htmlNode
	children []*htmlNode
	text     strings.Builder
}

func (e *htmlNode) attr(name string) (string, bool) {
	v, ok := e.attrs[name]
	return v, ok
}

// all returns the node's descendants that match, in document order.
func (e *htmlNode) all(match func(*htmlNode) bool) []*htmlNode {
	var out []*htmlNode
	for _, c := range e.children {
		if match(c) {
			out = append(out, c)
		}
		out = append(out, c.all(match)...)
	}
	return out
}

// textContent is the node's text, its descendants' included, with runs
// of white space collapsed.
func (e *htmlNode) textContent() string {
	var b strings.Builder
	var walk func(*htmlNode)
	walk = func(n *htmlNode) {
		b.WriteString(n.text.String())
		for _, c := range n.children {
			walk(c)
		}
	}
	walk(e)
	return strings.Join(strings.Fields(b.String()), " ")
}

func (e *htmlNode) ancestor(match func(*htmlNode) bool) *htmlNode {
	for p := e.parent; p != nil; p = p.parent {
		if match(p) {
			return p
		}
	}
	return nil
}

func byTag(name string) func(*htmlNode) bool {
	return func(e *htmlNode) bool { return e.tag == name }
}

// parsePage reads HTML with encoding/xml in its forgiving mode, which
// knows HTML's void elements and entities; the pages are the project's
// own, well-formed markup.
func parsePage(t *testing.T, page string) *htmlNode {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(page))
	d.Strict = false
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity
	root := &htmlNode{tag: "#document"}
	cur := root
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return root
		}
		if err != nil {
			t.Fatalf("parse page: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			e := &htmlNode{tag: strings.ToLower(tok.Name.Local), attrs: map[string]string{}, parent: cur}
			for _, a := range tok.Attr {
				name := a.Name.Local
				if a.Name.Space != "" {
					name = a.Name.Space + ":" + name
				}
				e.attrs[strings.ToLower(name)] = a.Value
			}
			cur.children = append(cur.children, e)
			cur = e
		case xml.EndElement:
			if cur.parent != nil {
				cur = cur.parent
			}
		case xml.CharData:
			cur.text.Write(tok)
		}
	}
}

// renderForm serves the form page for p and parses it.
func renderForm(t *testing.T, p *clinic.Profile, action string) (*htmlNode, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	formHandler(p, action, "").ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET / = %d, want 200", rec.Code)
	}
	if got, want := rec.Header().Get("Content-Type"), "text/html; charset=utf-8"; got != want {
		t.Errorf("Content-Type = %q, want %q", got, want)
	}
	body := rec.Body.String()
	return parsePage(t, body), body
}

func mustDefaultProfile(t *testing.T) *clinic.Profile {
	t.Helper()
	p, err := clinic.Default()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// twoLocations is the default profile with a second site, where patients
// must choose.
func twoLocations(t *testing.T) *clinic.Profile {
	t.Helper()
	p := *mustDefaultProfile(t)
	p.Locations = append(slices.Clone(p.Locations), clinic.Location{
		ID: "north", Label: "Ascent North", Address: "40 Example Road, Longmont, CO 80501",
	})
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	return &p
}

// controlsOf returns the form's inputs, selects and textareas.
func controlsOf(form *htmlNode) []*htmlNode {
	return form.all(func(e *htmlNode) bool {
		return e.tag == "input" || e.tag == "select" || e.tag == "textarea"
	})
}

func onlyForm(t *testing.T, doc *htmlNode) *htmlNode {
	t.Helper()
	forms := doc.all(byTag("form"))
	if len(forms) != 1 {
		t.Fatalf("page has %d forms, want 1", len(forms))
	}
	return forms[0]
}

func TestFormPostsToAction(t *testing.T) {
	const action = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/appointments"
	doc, _ := renderForm(t, mustDefaultProfile(t), action)
	form := onlyForm(t, doc)
	if got, _ := form.attr("action"); got != action {
		t.Errorf("action = %q, want %q", got, action)
	}
	if got, _ := form.attr("method"); got != "post" {
		t.Errorf("method = %q, want post", got)
	}
	// The script and stylesheet are external files, so the markup works
	// under a content security policy that forbids inline script.
	for _, s := range doc.all(byTag("script")) {
		if src, ok := s.attr("src"); !ok || src == "" || s.textContent() != "" {
			t.Errorf("script without src or with inline code: %v", s.attrs)
		}
	}
}

func TestFormListsServices(t *testing.T) {
	p := mustDefaultProfile(t)
	doc, _ := renderForm(t, p, "/appointments")
	selects := onlyForm(t, doc).all(func(e *htmlNode) bool { return e.tag == "select" && e.attrs["name"] == appointment.FieldService })
	if len(selects) != 1 {
		t.Fatalf("found %d service selects, want 1", len(selects))
	}
	type option struct{ value, label string }
	var got []option
	for _, o := range selects[0].all(byTag("option")) {
		if v := o.attrs["value"]; v != "" {
			got = append(got, option{v, o.textContent()})
		}
	}
	var want []option
	for _, s := range p.Services {
		want = append(want, option{s.ID, s.Label})
	}
	if !slices.Equal(got, want) {
		t.Errorf("service options = %v, want %v", got, want)
	}
	if _, ok := selects[0].attr("required"); !ok {
		t.Error("the service select is not required")
	}
}

func TestFormLocationSelect(t *testing.T) {
	t.Run("one location", func(t *testing.T) {
		doc, _ := renderForm(t, mustDefaultProfile(t), "/appointments")
		for _, c := range controlsOf(onlyForm(t, doc)) {
			if c.attrs["name"] == appointment.FieldLocation {
				t.Errorf("a clinic with one location asks for it: <%s %v>", c.tag, c.attrs)
			}
		}
	})
	t.Run("two locations", func(t *testing.T) {
		p := twoLocations(t)
		doc, _ := renderForm(t, p, "/appointments")
		selects := onlyForm(t, doc).all(func(e *htmlNode) bool { return e.tag == "select" && e.attrs["name"] == appointment.FieldLocation })
		if len(selects) != 1 {
			t.Fatalf("found %d location selects, want 1", len(selects))
		}
		var got []string
		for _, o := range selects[0].all(byTag("option")) {
			if v := o.attrs["value"]; v != "" {
				got = append(got, v)
				if !strings.HasPrefix(o.textContent(), mustLocation(t, p, v).Label) {
					t.Errorf("option %q reads %q, want the location's label first", v, o.textContent())
				}
			}
		}
		if want := []string{"main", "north"}; !slices.Equal(got, want) {
			t.Errorf("location options = %v, want %v", got, want)
		}
		if _, ok := selects[0].attr("required"); !ok {
			t.Error("with two locations the location select is not required")
		}
	})
}

func mustLocation(t *testing.T, p *clinic.Profile, id string) clinic.Location {
	t.Helper()
	l, ok := p.Location(id)
	if !ok {
		t.Fatalf("no location %q", id)
	}
	return l
}

func TestFormHoneypotIsHidden(t *testing.T) {
	doc, _ := renderForm(t, mustDefaultProfile(t), "/appointments")
	var traps []*htmlNode
	for _, c := range controlsOf(onlyForm(t, doc)) {
		if c.attrs["name"] == appointment.FieldHoneypot {
			traps = append(traps, c)
		}
	}
	if len(traps) != 1 {
		t.Fatalf("found %d honeypot controls, want 1", len(traps))
	}
	trap := traps[0]
	if typ := trap.attrs["type"]; typ != "text" {
		t.Errorf("honeypot type = %q, want text (bots skip type=hidden)", typ)
	}
	if got := trap.attrs["tabindex"]; got != "-1" {
		t.Errorf("honeypot tabindex = %q, want -1", got)
	}
	if got := trap.attrs["autocomplete"]; got != "off" {
		t.Errorf("honeypot autocomplete = %q, want off", got)
	}
	box := trap.ancestor(func(e *htmlNode) bool { return e.attrs["aria-hidden"] == "true" })
	if box == nil {
		t.Fatal("the honeypot is not inside an aria-hidden container")
	}
	// The container's class must be one the stylesheet moves off-screen.
	css := assetBody(t, "form.css")
	class := box.attrs["class"]
	rule := regexp.MustCompile(`(?s)\.` + regexp.QuoteMeta(class) + `\s*\{([^}]*)\}`).FindStringSubmatch(css)
	if class == "" || rule == nil || !strings.Contains(rule[1], "left: -10000px") || !strings.Contains(rule[1], "position: absolute") {
		t.Errorf("form.css does not move the honeypot's container (class %q) off-screen", class)
	}
}

func TestFormEveryControlHasALabel(t *testing.T) {
	doc, _ := renderForm(t, twoLocations(t), "/appointments")
	labels := map[string]string{}
	for _, l := range doc.all(byTag("label")) {
		if f, ok := l.attr("for"); ok {
			labels[f] = l.textContent()
		}
	}
	for _, c := range controlsOf(onlyForm(t, doc)) {
		id := c.attrs["id"]
		if labels[id] == "" && c.ancestor(byTag("label")) == nil {
			t.Errorf("<%s name=%q id=%q> has no label", c.tag, c.attrs["name"], id)
		}
		// Radio buttons and checkboxes of a group are asked as one
		// question: the fieldset's legend.
		if typ := c.attrs["type"]; (typ == "radio" || typ == "checkbox") && c.attrs["name"] != appointment.FieldConsent {
			fs := c.ancestor(byTag("fieldset"))
			if fs == nil || len(fs.all(byTag("legend"))) == 0 || fs.all(byTag("legend"))[0].textContent() == "" {
				t.Errorf("%s %q is not in a fieldset with a legend", typ, c.attrs["name"])
			}
		}
	}
}

func TestFormFieldNamesAreTheAPIs(t *testing.T) {
	doc, _ := renderForm(t, twoLocations(t), "/appointments")
	seen := map[string]bool{}
	for _, c := range controlsOf(onlyForm(t, doc)) {
		name := c.attrs["name"]
		if !slices.Contains(appointment.Fields, name) {
			t.Errorf("control name %q is not an API field", name)
		}
		seen[name] = true
	}
	for _, f := range appointment.Fields {
		if !seen[f] {
			t.Errorf("the form has no control for %q", f)
		}
	}
}

func TestFormChoicesAreTheAPIs(t *testing.T) {
	p := mustDefaultProfile(t)
	doc, _ := renderForm(t, p, "/appointments")
	values := map[string][]string{}
	for _, c := range controlsOf(onlyForm(t, doc)) {
		if typ := c.attrs["type"]; typ == "radio" || typ == "checkbox" {
			values[c.attrs["name"]] = append(values[c.attrs["name"]], c.attrs["value"])
		}
	}
	// The default clinic is closed on Sundays, so Sunday is not offered.
	tests := []struct {
		field string
		want  []string
	}{
		{appointment.FieldPreferredDays, []string{"mon", "tue", "wed", "thu", "fri", "sat"}},
		{appointment.FieldPreferredTimes, appointment.Times},
		{appointment.FieldContactMethod, appointment.ContactMethods},
		{appointment.FieldNewPatient, []string{"yes", "no"}},
	}
	for _, tt := range tests {
		if got := values[tt.field]; !slices.Equal(got, tt.want) {
			t.Errorf("%s values = %v, want %v", tt.field, got, tt.want)
		}
	}
	noHours := *p
	noHours.Hours = nil
	if got := openDays(&noHours, noHours.Language); len(got) != len(clinic.Weekdays) {
		t.Errorf("without opening hours %d days are offered, want all %d", len(got), len(clinic.Weekdays))
	}
}

func TestFormControlAttributes(t *testing.T) {
	doc, _ := renderForm(t, mustDefaultProfile(t), "/appointments")
	byName := map[string]*htmlNode{}
	for _, c := range controlsOf(onlyForm(t, doc)) {
		if _, seen := byName[c.attrs["name"]]; !seen {
			byName[c.attrs["name"]] = c
		}
	}
	tests := []struct {
		field string
		attrs map[string]string
	}{
		{appointment.FieldFirstName, map[string]string{"autocomplete": "given-name", "maxlength": "50", "required": "required"}},
		{appointment.FieldLastName, map[string]string{"autocomplete": "family-name", "maxlength": "50", "required": "required"}},
		{appointment.FieldEmail, map[string]string{"type": "email", "inputmode": "email", "autocomplete": "email", "maxlength": "254", "required": "required"}},
		{appointment.FieldPhone, map[string]string{"type": "tel", "inputmode": "tel", "autocomplete": "tel", "maxlength": "40", "required": "required"}},
		{appointment.FieldReason, map[string]string{"maxlength": "1000"}},
		{appointment.FieldConsent, map[string]string{"type": "checkbox", "required": "required"}},
	}
	for _, tt := range tests {
		c := byName[tt.field]
		if c == nil {
			t.Errorf("no control %q", tt.field)
			continue
		}
		for name, want := range tt.attrs {
			if got, _ := c.attr(name); got != want {
				t.Errorf("%s %s = %q, want %q", tt.field, name, got, want)
			}
		}
	}
	// The limits are the API's, not copies that could drift.
	for field, limit := range map[string]int{
		appointment.FieldFirstName: appointment.MaxNameLength,
		appointment.FieldEmail:     appointment.MaxEmailLength,
		appointment.FieldPhone:     appointment.MaxPhoneLength,
		appointment.FieldReason:    appointment.MaxReasonLength,
	} {
		if got, want := byName[field].attrs["maxlength"], strconv.Itoa(limit); got != want {
			t.Errorf("%s maxlength = %s, want %s", field, got, want)
		}
	}
}

func TestFormErrorElements(t *testing.T) {
	doc, _ := renderForm(t, twoLocations(t), "/appointments")
	form := onlyForm(t, doc)
	ids := map[string]*htmlNode{}
	for _, e := range doc.all(func(e *htmlNode) bool { return e.attrs["id"] != "" }) {
		if ids[e.attrs["id"]] != nil {
			t.Errorf("id %q is used twice", e.attrs["id"])
		}
		ids[e.attrs["id"]] = e
	}
	for _, field := range appointment.Fields {
		if field == appointment.FieldHoneypot {
			continue
		}
		errID := field + "-error"
		if ids[errID] == nil {
			t.Errorf("no error element #%s", errID)
			continue
		}
		// Each control of the field, or the fieldset around its group,
		// points at the error element, so a screen reader reads the error
		// with the field.
		for _, c := range controlsOf(form) {
			if c.attrs["name"] != field {
				continue
			}
			describedBy := c.attrs["aria-describedby"]
			if fs := c.ancestor(byTag("fieldset")); fs != nil {
				describedBy += " " + fs.attrs["aria-describedby"]
			}
			if !slices.Contains(strings.Fields(describedBy), errID) {
				t.Errorf("%s control %q is not described by #%s", field, c.attrs["id"], errID)
			}
		}
	}
	for id, e := range ids {
		for _, ref := range strings.Fields(e.attrs["aria-describedby"] + " " + e.attrs["aria-labelledby"]) {
			if ids[ref] == nil {
				t.Errorf("#%s refers to missing #%s", id, ref)
			}
		}
	}
	summary := form.all(func(e *htmlNode) bool { _, ok := e.attr("data-summary"); return ok })
	if len(summary) != 1 || summary[0].attrs["role"] != "alert" || summary[0].attrs["tabindex"] != "-1" {
		t.Errorf("want one error summary with role=alert and tabindex=-1, got %d", len(summary))
	}
}

// TestScriptSendsTheAPIsFields checks form.js's list of fields against the
// API's: the API refuses JSON with a field it does not know, and a field
// the script left out would never be sent.
func TestScriptSendsTheAPIsFields(t *testing.T) {
	js := assetBody(t, "form.js")
	m := regexp.MustCompile(`(?s)const FIELDS = \[(.*?)\];`).FindStringSubmatch(js)
	if m == nil {
		t.Fatal("form.js has no FIELDS list")
	}
	var got []string
	for _, q := range regexp.MustCompile(`"([^"]+)"`).FindAllStringSubmatch(m[1], -1) {
		got = append(got, q[1])
	}
	if !slices.Equal(got, appointment.Fields) {
		t.Errorf("form.js FIELDS = %v, want appointment.Fields %v", got, appointment.Fields)
	}
	for _, list := range []string{appointment.FieldPreferredDays, appointment.FieldPreferredTimes} {
		if !appointment.IsList(list) {
			t.Errorf("%s is no longer a list field; update form.js", list)
		}
	}
}

func TestFormEscapesTheProfile(t *testing.T) {
	p := *mustDefaultProfile(t)
	p.Name = `Ascent <script>alert(1)</script> & Co`
	_, body := renderForm(t, &p, `/appointments?x="><script>`)
	if strings.Contains(body, "<script>alert") || strings.Contains(body, `"><script>`) {
		t.Error("the page copies profile text or the action into HTML unescaped")
	}
}

func TestThankYouShowsTheReference(t *testing.T) {
	p := mustDefaultProfile(t)
	tests := []struct {
		query string
		want  string // the reference shown, or "" for none
	}{
		{"?reference=K7M2-Q9XD", "K7M2-Q9XD"},
		{"", ""},
		{"?reference=%3Cscript%3Ealert(1)%3C%2Fscript%3E", ""},
		{"?reference=Call+555-0100+now", ""},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		thankYouHandler(p).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/thank-you"+tt.query, nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("GET /thank-you%s = %d", tt.query, rec.Code)
		}
		body := rec.Body.String()
		if strings.Contains(body, "<script>alert") {
			t.Errorf("GET /thank-you%s echoes a script", tt.query)
		}
		doc := parsePage(t, body)
		refs := doc.all(func(e *htmlNode) bool { return e.attrs["id"] == "reference" })
		switch {
		case tt.want == "" && len(refs) > 0:
			t.Errorf("GET /thank-you%s shows reference %q, want none", tt.query, refs[0].textContent())
		case tt.want != "" && (len(refs) != 1 || refs[0].textContent() != tt.want):
			t.Errorf("GET /thank-you%s does not show reference %q", tt.query, tt.want)
		}
		if links := doc.all(func(e *htmlNode) bool { return e.tag == "a" && e.attrs["href"] == "/" }); len(links) == 0 {
			t.Errorf("GET /thank-you%s has no link back to the form", tt.query)
		}
		if !strings.Contains(body, p.Name) {
			t.Errorf("GET /thank-you%s does not name the clinic", tt.query)
		}
	}
}

func assetBody(t *testing.T, name string) string {
	t.Helper()
	rec := httptest.NewRecorder()
	assetsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/assets/"+name, nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /assets/%s = %d", name, rec.Code)
	}
	return rec.Body.String()
}

func TestAssets(t *testing.T) {
	tests := []struct {
		path        string
		status      int
		contentType string
	}{
		{"/assets/form.js", http.StatusOK, "text/javascript; charset=utf-8"},
		{"/assets/form.css", http.StatusOK, "text/css; charset=utf-8"},
		{"/assets/form.html.tmpl", http.StatusNotFound, ""},
		{"/assets/../form.go", http.StatusNotFound, ""},
		{"/assets/", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.URL.Path = tt.path
		assetsHandler().ServeHTTP(rec, req)
		if rec.Code != tt.status {
			t.Errorf("GET %s = %d, want %d", tt.path, rec.Code, tt.status)
			continue
		}
		if tt.contentType != "" {
			if got := rec.Header().Get("Content-Type"); got != tt.contentType {
				t.Errorf("GET %s Content-Type = %q, want %q", tt.path, got, tt.contentType)
			}
			if got := rec.Header().Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("GET %s X-Content-Type-Options = %q, want nosniff", tt.path, got)
			}
		}
	}
}

// TestThemeUsesPalette: the form's colours are the clinic palette's, whose
// contrast the clinic package checks.
func TestThemeUsesPalette(t *testing.T) {
	p, err := clinic.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, brand := range []string{"#0f4c5c", "#ffd400"} {
		p.BrandColor = brand
		css, pal := string(theme(p)), p.Palette()
		for name, want := range map[string]string{
			"appt-brand": pal.Brand, "appt-on-brand": pal.OnBrand, "appt-accent": pal.Link, "appt-tint": pal.Tint,
			"appt-dark-accent": pal.DarkLink, "appt-on-dark-accent": pal.OnDarkLink, "appt-dark-tint": pal.DarkTint,
		} {
			if !strings.Contains(css, "--"+name+":"+want+";") && !strings.Contains(css, "--"+name+":"+want+"}") {
				t.Errorf("brand %s: --%s is not %s in %s", brand, name, want, css)
			}
		}
	}
}
