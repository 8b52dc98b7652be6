package ui

import (
	"net/http"
	"strings"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/cases"
	"github.com/callvault/callvault/internal/cases/sarclock"
	"github.com/callvault/callvault/internal/ukcal"
)

// deskView is the case desk: the open cases by where their clocks stand, and the holds whose
// review date has passed (cases.Service.HoldReviews, as GET /api/v1/cases gives them).
type deskView struct {
	Due         string
	Filters     []deskFilter
	Cases       []*cases.CaseView
	ShowHolds   bool
	HoldReviews []*callvault.Hold
	HoldList    bool   // the list of hold reviews alone, no cases
	Opened      string // the reference of a case just opened
	MayRelease  bool   // the DPO releases an overdue hold from the desk
	Released    bool   // a hold was just released
}

type deskFilter struct {
	Value, Label string
	Current      bool
}

var deskFilters = []deskFilter{{cases.DueAll, "All open", false}, {cases.DueRunning, "Due", false},
	{cases.DueOverdue, "Overdue", false}, {cases.DueStopped, "Clock stopped", false}, {cases.DueHoldReview, "Hold reviews", false}}

// caseDesk is GET /cases[?due=due|overdue|stopped]: the same list as GET /api/v1/cases.
func (p *Pages) caseDesk(w http.ResponseWriter, r *http.Request) {
	cs := p.desk(w, r)
	if cs == nil {
		return
	}
	me, due := principal(r.Context()), r.URL.Query().Get("due")
	list, err := cs.List(r.Context(), me, due)
	if err != nil {
		if callvault.IsKind(err, callvault.KindInvalid) {
			p.failStatus(w, r, http.StatusBadRequest, "That did not work", "There is no such list of cases. Choose one of the lists on the case desk.")
			return
		}
		p.Fail(w, r, err)
		return
	}
	v := deskView{Due: due, Cases: list}
	for _, f := range deskFilters {
		f.Current = f.Value == due
		v.Filters = append(v.Filters, f)
	}
	if ref := r.URL.Query().Get("opened"); callvault.ValidCaseReference(ref) {
		v.Opened = ref
	}
	// The holds whose review is overdue, with the lists the API gives them with.
	if p.rules.Permits(me, callvault.ActHoldList).Allow && (due == cases.DueAll || due == cases.DueOverdue || due == cases.DueHoldReview) {
		v.ShowHolds = true
		v.MayRelease, v.Released = p.rules.Permits(me, callvault.ActHoldRelease).Allow, r.URL.Query().Get("released") == "1"
		if v.HoldReviews, err = cs.HoldReviews(r.Context(), me); err != nil {
			p.Fail(w, r, err)
			return
		}
	}
	v.HoldList = due == cases.DueHoldReview
	p.render(w, r, http.StatusOK, "desk", "Case desk", v)
}

// openView is the form that opens a case, as typed, with a message per field.
type openView struct {
	Types  []callvault.CaseType
	Form   map[string]string
	Errors map[string]string
}

var openFields = []string{"type", "received_at", "numbers", "names", "extensions", "note",
	"external_body", "external_officer", "external_reference", "external_legal_basis"}

func (p *Pages) caseForm(w http.ResponseWriter, r *http.Request) {
	form := map[string]string{"received_at": p.now().In(p.zone).Format("2006-01-02")}
	if t := callvault.CaseType(r.URL.Query().Get("type")); t.Valid() {
		form["type"] = string(t)
	}
	p.render(w, r, http.StatusOK, "case_new", "Open a case", openView{Types: callvault.CaseTypes, Form: form, Errors: map[string]string{}})
}

// openCase is POST /cases: the same as POST /api/v1/cases, as a form.
func (p *Pages) openCase(w http.ResponseWriter, r *http.Request) {
	cs := p.desk(w, r)
	if cs == nil {
		return
	}
	if err := r.ParseForm(); err != nil {
		p.failStatus(w, r, http.StatusBadRequest, "That did not work", "The form could not be read. Please try again.")
		return
	}
	v := openView{Types: callvault.CaseTypes, Form: map[string]string{}, Errors: map[string]string{}}
	for _, f := range openFields {
		v.Form[f] = r.PostForm.Get(f)
	}
	in := cases.OpenInput{Type: callvault.CaseType(v.Form["type"]), ReceivedAt: p.isoDay(v.Form["received_at"]), Note: v.Form["note"],
		Subjects: callvault.CaseSubjects{Numbers: lines(v.Form["numbers"]), Names: lines(v.Form["names"]), Extensions: lines(v.Form["extensions"])}}
	ext := cases.ExternalInput{Body: v.Form["external_body"], Officer: v.Form["external_officer"],
		Reference: v.Form["external_reference"], LegalBasis: v.Form["external_legal_basis"]}
	if in.Type == callvault.CaseExternalBody || ext != (cases.ExternalInput{}) {
		in.External = &ext // for another type the service says these are only for external bodies
	}
	if in.Type == "" {
		v.Errors["type"] = "Choose the type of case."
		p.render(w, r, http.StatusBadRequest, "case_new", "Open a case", v)
		return
	}
	c, err := cs.Open(r.Context(), principal(r.Context()), in)
	if err == nil {
		http.Redirect(w, r, "/cases/"+c.ID+"?done=opened", http.StatusSeeOther)
		return
	}
	if !callvault.IsKind(err, callvault.KindInvalid) {
		p.Fail(w, r, err)
		return
	}
	p.fieldErrors(v.Errors, err, openFieldNames, "note")
	p.render(w, r, http.StatusBadRequest, "case_new", "Open a case", v)
}

// openFieldNames map the service's fields to the form's.
var openFieldNames = map[string]string{"subjects.numbers": "numbers", "subjects.names": "names", "subjects.extensions": "extensions",
	"subjects": "numbers", "external": "external_body", "external.body": "external_body", "external.officer": "external_officer",
	"external.reference": "external_reference", "external.legal_basis": "external_legal_basis"}

// fieldErrors puts a service's field errors into errs under the form's names (names maps those
// that differ), the first per field; an error without fields goes to fallback.
func (p *Pages) fieldErrors(errs map[string]string, err error, names map[string]string, fallback string) {
	for _, fe := range callvault.FieldErrorsOf(err) {
		name := fe.Field
		if i := strings.IndexByte(name, '['); i > 0 {
			name = name[:i]
		}
		if n, ok := names[name]; ok {
			name = n
		}
		if _, seen := errs[name]; !seen {
			errs[name] = sentence(fe.Problem)
		}
	}
	if len(errs) == 0 {
		errs[fallback] = sentence(callvault.ErrorMessage(err))
	}
}

// lines splits a text area into its non-blank lines (commas and semicolons separate too).
func lines(v string) []string { return splitNames(v) }

// clockStatus is where a subject access case's clock stands today, "" for other cases.
func (p *Pages) clockStatus(c *callvault.Case) sarclock.Status {
	if c.Type != callvault.CaseSubjectAccess || c.Status != callvault.CaseOpen {
		return ""
	}
	if c.Stopped {
		return sarclock.StatusStopped
	}
	due, err := ukcal.ParseDate(c.DueDate)
	if err != nil {
		return ""
	}
	return sarclock.Clock{Due: due}.StatusOn(ukcal.FromTime(p.now(), callvault.DefaultZone()))
}
