package ui

import (
	"net/http"
	"strings"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/cases"
)

// searchView is a case's subject search: the form (as typed, or the last search's criteria,
// or the case's subjects) and what the last search found, each recording with the DPO's
// decision and a form to include or exclude it with a reason. Only metadata, never audio.
type searchView struct {
	Case     *callvault.Case
	Form     map[string]string
	Errors   map[string]string
	Last     *callvault.CaseSearch
	Found    []foundRow
	Gone     int    // recordings found then deleted since
	Decided  string // the recording just decided
	Searches int
}

// foundRow is a recording a search found, with the decision on it so far.
type foundRow struct {
	Rec      *callvault.Recording
	Decision *callvault.CaseRecording
}

// caseSearchPage is GET /cases/{id}/search.
func (p *Pages) caseSearchPage(w http.ResponseWriter, r *http.Request) {
	v, err := p.loadSearch(r)
	if err != nil {
		p.Fail(w, r, err)
		return
	}
	if d := r.URL.Query().Get("decided"); callvault.ValidID(d) {
		v.Decided = d
	}
	p.render(w, r, http.StatusOK, "case_search", "Search for "+v.Case.Reference, v)
}

func (p *Pages) loadSearch(r *http.Request) (*searchView, error) {
	if p.cases == nil {
		return nil, errNoDesk
	}
	c, recs, err := p.cases.CaseRecordings(r.Context(), principal(r.Context()), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	v := &searchView{Case: c, Form: map[string]string{}, Errors: map[string]string{}, Searches: len(c.Searches)}
	if n := len(c.Searches); n > 0 {
		v.Last = &c.Searches[n-1]
		crit := v.Last.Criteria
		v.Form["numbers"], v.Form["names"] = strings.Join(crit.Numbers, "\n"), strings.Join(crit.Names, "\n")
		v.Form["extensions"] = strings.Join(crit.Extensions, "\n")
		v.Form["from"], v.Form["to"] = p.dayInput(crit.From), p.dayInput(crit.To)
		for _, id := range v.Last.Found {
			rec := recs[id]
			if rec == nil {
				v.Gone++
				continue
			}
			v.Found = append(v.Found, foundRow{Rec: rec, Decision: c.Decision(id)})
		}
	} else {
		v.Form["numbers"], v.Form["names"] = strings.Join(c.Subjects.Numbers, "\n"), strings.Join(c.Subjects.Names, "\n")
		v.Form["extensions"] = strings.Join(c.Subjects.Extensions, "\n")
	}
	return v, nil
}

// dayInput is t's day in the organisation's zone for a date input, "" for no time.
func (p *Pages) dayInput(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(p.zone).Format(time.DateOnly)
}

// caseSearch is POST /cases/{id}/search: the same search as the API's, kept with the case;
// then the search page shows what it found.
func (p *Pages) caseSearch(w http.ResponseWriter, r *http.Request) {
	if !p.formOf(w, r) {
		return
	}
	f := typed(r, "numbers", "names", "extensions", "from", "to")
	in := cases.SearchInput{Numbers: lines(f["numbers"]), Names: lines(f["names"]), Extensions: lines(f["extensions"]),
		From: p.isoDay(f["from"]), To: p.isoDay(f["to"])}
	if in.Numbers == nil && in.Names == nil && in.Extensions == nil {
		in.Numbers = []string{} // the page searches what the form says, never the subjects silently
	}
	_, err := p.cases.Search(r.Context(), principal(r.Context()), r.PathValue("id"), in)
	if err == nil {
		http.Redirect(w, r, "/cases/"+r.PathValue("id")+"/search#found", http.StatusSeeOther)
		return
	}
	if !callvault.IsKind(err, callvault.KindInvalid) {
		p.Fail(w, r, err)
		return
	}
	v, lerr := p.loadSearch(r)
	if lerr != nil {
		p.Fail(w, r, lerr)
		return
	}
	v.Form = f
	p.fieldErrors(v.Errors, err, map[string]string{}, "numbers")
	p.render(w, r, http.StatusBadRequest, "case_search", "Search for "+v.Case.Reference, v)
}

// caseInclude is POST /cases/{id}/recordings: include or exclude one recording a search found,
// with the reason.
func (p *Pages) caseInclude(w http.ResponseWriter, r *http.Request) {
	if !p.formOf(w, r) {
		return
	}
	rid, reason := r.PostForm.Get("recording"), r.PostForm.Get("reason")
	in := cases.IncludeInput{RecordingID: rid, Reason: reason}
	switch r.PostForm.Get("decision") {
	case "include":
		in.Include = new(bool)
		*in.Include = true
	case "exclude":
		in.Include = new(bool)
	}
	_, err := p.cases.Include(r.Context(), principal(r.Context()), r.PathValue("id"), in)
	if err == nil {
		http.Redirect(w, r, "/cases/"+r.PathValue("id")+"/search?decided="+rid+"#rec-"+rid, http.StatusSeeOther)
		return
	}
	if !callvault.IsKind(err, callvault.KindInvalid) && !callvault.IsKind(err, callvault.KindConflict) {
		p.Fail(w, r, err)
		return
	}
	v, lerr := p.loadSearch(r)
	if lerr != nil {
		p.Fail(w, r, lerr)
		return
	}
	msgs := map[string]string{}
	p.fieldErrors(msgs, err, map[string]string{}, "reason")
	if _, ok := msgs["include"]; ok {
		msgs["include"] = "Choose Include or Exclude."
	}
	var all []string
	for _, f := range []string{"include", "reason", "recording_id"} {
		if m, ok := msgs[f]; ok {
			all = append(all, m)
		}
	}
	if len(all) == 0 {
		for _, m := range msgs {
			all = append(all, m)
		}
	}
	v.Errors["rec-"+rid] = strings.Join(all, " ")
	v.Form["reason-"+rid] = reason
	status := http.StatusBadRequest
	if callvault.IsKind(err, callvault.KindConflict) {
		status = http.StatusConflict
	}
	p.render(w, r, status, "case_search", "Search for "+v.Case.Reference, v)
}
