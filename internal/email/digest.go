package email

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/clinic"
	"example.com/appointments/internal/i18n"
)

// DigestKind is the kind of the front desk's morning digest: one email
// about every open request rather than about one request.
const DigestKind Kind = "digest"

// Digest is what the morning digest lists.
type Digest struct {
	// At is when the digest is made; each request's age is counted to it.
	At time.Time
	// Entries are the open requests, in the order the digest lists them.
	Entries []DigestEntry
	// Days are the day sheet: today's and the next clinic day's
	// appointments, and those of any day between, in the order of the
	// days. A digest made without them has no day sheet.
	Days []DigestDay
}

// DigestEntry is one open request in the digest.
type DigestEntry struct {
	Request appointment.Request
	// Overdue says the patient was promised an answer by a time that has
	// passed (appointment.Request.Overdue).
	Overdue bool
}

// MaxDigestEntries is how many requests one digest lists. Past it, the
// email only says how many more are open: a digest longer than that is
// past reading over coffee, and its HTML would pass the size at which
// Gmail clips a message and hides the rest, the action links with it.
const MaxDigestEntries = 40

// digestView is the data of the digest.
type digestView struct {
	layoutView
	Intro string
	// Minimal says the digest leaves out the patients' details (see
	// StaffDetailMinimal).
	Minimal bool
	// LinksNote explains the action links; empty when there are none.
	LinksNote string
	Overdue   []digestItem
	Open      []digestItem
	// More says how many open requests are left out, if any.
	More string
	// Days are the day sheet's days; none for a digest without one.
	Days []daySheetDay
	// Footer says why the email was sent.
	Footer string
}

// digestItem is one request as the digest shows it: enough to recognise
// it and call the patient back, and nothing of what they wrote about
// themselves beyond their name.
type digestItem struct {
	// Lang is the language of the digest, the clinic's.
	Lang      i18n.Language
	Reference string
	FullName  string
	PhoneText string
	// PhoneDial is what a tel: link dials; empty when the number cannot be
	// dialled as stored.
	PhoneDial string
	// Service and Location are their labels, or their IDs when the clinic
	// profile no longer has them.
	Service  string
	Location string
	// Received says when the request came in and how long ago.
	Received string
	// State says where the request stands, and for a received one, by
	// when the patient was promised an answer.
	State   string
	Actions []actionLink
	// Overdue marks the entry out; Palette colours it.
	Overdue bool
	Palette clinic.Palette
	// Minimal says the entry leaves out the patient's details; FullName,
	// the phone and Language are then empty.
	Minimal bool
	// Language names the patient's language when it is not the clinic's.
	Language string
}

// ComposeDigest renders the morning digest of d for the clinic-wide front
// desk: its day sheet, then the open requests. It fails on a digest with
// neither an open request nor an appointment, since there is nothing to
// say, or with an entry that is not open.
//
// A request whose service or location the clinic profile no longer lists
// is shown with their IDs rather than refused: one stale request must not
// keep the front desk from hearing about all the others.
func (c *Composer) ComposeDigest(d Digest) (Message, error) {
	// Errors below name entries by their place in the list, never by
	// anything of the patient's: they end up in logs.
	if d.At.IsZero() {
		return Message{}, errors.New("digest has no time")
	}
	days, booked, err := c.daySheet(d.Days, d.At)
	if err != nil {
		return Message{}, fmt.Errorf("day sheet: %w", err)
	}
	if len(d.Entries) == 0 && booked == 0 {
		return Message{}, errors.New("digest has no requests and no appointments")
	}
	v, overdue, err := c.digestItems(d)
	if err != nil {
		return Message{}, err
	}
	lang := c.deskLanguage()
	open := len(d.Entries)
	var parts []string
	if open > 0 {
		part := lang.Sprintf("desk.digest.subject.open", open)
		if overdue > 0 {
			part = lang.Sprintf("desk.digest.subject.overdue."+i18n.Plural(overdue), open, overdue)
		}
		parts = append(parts, part)
	}
	if s := c.daySheetSubject(d.Days, d.At); s != "" {
		parts = append(parts, s)
	}
	subject := strings.Join(parts, "; ")
	v.layoutView = c.layout(lang, subject, lang.Sprintf(digestHeading(open, len(days))))
	v.Days = days
	c.digestWords(&v, d.At, open, overdue)
	if len(days) > 0 {
		v.Footer = lang.Sprintf("desk.digest.footer.days", c.profile.Name)
	}

	msg := Message{Message: appointment.Message{Kind: DigestKind, From: c.settings.Sender, To: slices.Clone(c.settings.FrontDesk)}, Subject: subject}
	// No Reply-To: a reply goes to the sender's mailbox, as there is no one
	// patient to answer.
	return c.render(msg, DigestKind, v, nil, "", lang)
}

// digestHeading is the catalog key of the digest's heading: what it is
// about.
func digestHeading(open, days int) string {
	switch {
	case days == 0:
		return "desk.digest.heading.open"
	case open == 0:
		return "desk.digest.heading.days"
	}
	return "desk.digest.heading.daysOpen"
}

// digestItems lists the digest's entries, overdue ones apart, up to
// MaxDigestEntries, and counts the overdue ones among all.
func (c *Composer) digestItems(d Digest) (digestView, int, error) {
	var v digestView
	overdue := 0
	for i, e := range d.Entries {
		r := e.Request
		status := r.Status.Normal()
		if !status.Open() {
			return digestView{}, 0, fmt.Errorf("digest entry %d: a %s request is not open", i, status)
		}
		if e.Overdue {
			overdue++
		}
		if i >= MaxDigestEntries {
			continue
		}
		if r.CreatedAt.IsZero() {
			return digestView{}, 0, fmt.Errorf("digest entry %d: request has no creation time", i)
		}
		item, err := c.digestItem(r, status, e.Overdue, d.At)
		if err != nil {
			return digestView{}, 0, fmt.Errorf("digest entry %d: %w", i, err)
		}
		if e.Overdue {
			v.Overdue = append(v.Overdue, item)
		} else {
			v.Open = append(v.Open, item)
		}
	}
	return v, overdue, nil
}

// digestWords writes the digest's introduction, its note on the links and
// its count of the requests left out, for open requests of which overdue
// are overdue, as at at.
func (c *Composer) digestWords(v *digestView, at time.Time, open, overdue int) {
	lang := c.deskLanguage()
	now := shortWhenZone(lang, at.In(c.profile.Zone()))
	v.Footer = lang.Sprintf("desk.digest.footer", c.profile.Name)
	v.Intro = lang.Sprintf("desk.digest.intro."+i18n.Plural(open), open, now)
	if open == 0 {
		v.Intro = lang.Sprintf("desk.digest.intro.none", now)
	}
	if overdue > 0 {
		v.Intro += " " + lang.Sprintf("desk.digest.overdue."+i18n.Plural(overdue), overdue)
	}
	if c.settings.Links != nil {
		v.LinksNote = lang.Sprintf("desk.digest.links")
	}
	if c.minimal() {
		v.Minimal = true
		v.Intro += " " + lang.Sprintf("desk.digest.minimal")
		// Without the patients' details, the note first says where to
		// find them: the request, or with none open, the appointment.
		if c.settings.Links != nil {
			first := "desk.digest.links.minimal"
			if open == 0 {
				first = "desk.digest.links.days"
			}
			v.LinksNote = lang.Sprintf(first) + " " + v.LinksNote
		}
	}
	if more := open - len(v.Overdue) - len(v.Open); more > 0 {
		v.More = lang.Sprintf("desk.digest.more."+i18n.Plural(more), more)
	}
}

// digestItem describes one open request for the digest.
func (c *Composer) digestItem(r appointment.Request, status appointment.Status, overdue bool, at time.Time) (digestItem, error) {
	zone, lang := c.profile.Zone(), c.deskLanguage()
	item := digestItem{
		Lang:      lang,
		Reference: r.Reference,
		FullName:  strings.TrimSpace(r.FirstName + " " + r.LastName),
		Service:   r.Service,
		Location:  r.Location,
		Received:  lang.Sprintf("desk.digest.received", shortWhenZone(lang, r.CreatedAt.In(zone)), ageWords(lang, at.Sub(r.CreatedAt))),
		Overdue:   overdue,
		Palette:   c.palette,
		Minimal:   c.minimal(),
	}
	if s, ok := c.profile.Service(r.Service); ok {
		item.Service = s.Label
	}
	if l, err := c.location(r.Location); err == nil {
		item.Location = l.Label
	}
	if c.minimal() {
		item.FullName = ""
	} else {
		item.Language = c.languageLine(r)
		if appointment.IsE164(r.Phone) {
			item.PhoneText, item.PhoneDial = DisplayPhone(r.Phone, r.PhoneExtension, c.profile.DefaultRegion)
		} else {
			item.PhoneText = r.Phone
		}
	}

	switch status {
	case appointment.StatusReceived:
		item.State = lang.Sprintf("desk.digest.state.received")
		if by, ok := c.profile.ReplyBy(r.CreatedAt); ok {
			key := "desk.digest.state.answerBy"
			if overdue {
				key = "desk.digest.state.wasDue"
			}
			item.State = lang.Sprintf(key, shortWhenZone(lang, by.In(zone)))
		}
	case appointment.StatusContacted:
		item.State = lang.Sprintf("desk.digest.state.contacted")
		if t := lastTransitionTo(r.History, appointment.StatusContacted); t != nil && !t.At.IsZero() {
			item.State = lang.Sprintf("desk.digest.state.contactedAt", shortWhenZone(lang, t.At.In(zone)))
		}
	}

	// The links of the front desk's notification, those the request's
	// status allows.
	var err error
	if item.Actions, err = c.actionLinks(lang, r.ID, status, c.deskActions()); err != nil {
		return digestItem{}, err
	}
	return item, nil
}

// actionLinks makes the links of those of actions that a request in
// status allows, for the request id; none when the settings give no way
// to make them.
func (c *Composer) actionLinks(lang i18n.Language, id string, status appointment.Status, actions []deskLink) ([]actionLink, error) {
	if c.settings.Links == nil {
		return nil, nil
	}
	if id == "" {
		return nil, errors.New("request has no ID for its action links")
	}
	var out []actionLink
	for _, a := range actions {
		if !a.action.Allows(status) {
			continue
		}
		u := c.settings.Links(id, a.action)
		// The link's token is a credential: the error says which link,
		// never what it holds.
		if !absoluteURL(u) {
			return nil, fmt.Errorf("the %s link is not an absolute http or https URL", a.action)
		}
		out = append(out, actionLink{Label: lang.Sprintf(a.key), URL: u})
	}
	return out, nil
}

// lastTransitionTo returns the latest change in history that led to
// status s, or nil.
func lastTransitionTo(history []appointment.Transition, s appointment.Status) *appointment.Transition {
	for i := len(history) - 1; i >= 0; i-- {
		if history[i].To == s {
			return &history[i]
		}
	}
	return nil
}

// ageWords says how long ago a request came in, in lang, in the words
// the front desk would use: minutes within the hour, hours within the
// day, days after that. Each is rounded down, so a request is never made
// to look older than it is.
func ageWords(lang i18n.Language, d time.Duration) string {
	ago := func(n int, unit string) string {
		return lang.Sprintf("desk.digest.age."+unit+"."+i18n.Plural(n), n)
	}
	switch {
	case d < time.Minute:
		return lang.Sprintf("desk.digest.age.now")
	case d < time.Hour:
		return ago(int(d/time.Minute), "minute")
	case d < 24*time.Hour:
		return ago(int(d/time.Hour), "hour")
	}
	return ago(int(d/(24*time.Hour)), "day")
}

// languageLine is the line that names the patient's language of request
// r, in the clinic's, when it is not the clinic's own; it is empty
// otherwise, as the front desk then needs no word about it. A request
// stored before requests had a language is in the clinic's.
func (c *Composer) languageLine(r appointment.Request) string {
	desk := c.deskLanguage()
	if l := r.Language.Or(desk); l != desk {
		return desk.Sprintf("desk.calendar.language", l.Name(desk))
	}
	return ""
}
