package ui

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/access"
)

// approvals is the queue of pending requests the signed-in person may decide.
func (p *Pages) approvals(w http.ResponseWriter, r *http.Request) {
	q, err := p.access.Queue(r.Context(), principal(r.Context()))
	if err != nil {
		p.Fail(w, r, err)
		return
	}
	p.render(w, r, http.StatusOK, "approvals", "Approvals", approvalsView{Queue: q,
		Decided: callvault.ValidID(r.URL.Query().Get("decided"))})
}

// approvalsView is the queue, and whether a decision was just recorded.
type approvalsView struct {
	Queue   []*access.RequestView
	Decided bool
}

// approvalView is one request to decide: what was asked, what it matched, and the decision's
// form as typed.
type approvalView struct {
	Request    *access.RequestView
	Recordings []*callvault.Recording
	Selected   map[string]bool
	Statement  string
	Expiry     string // yyyy-mm-dd, in the organisation's zone
	MinExpiry  string
	MaxExpiry  string
	Download   bool
	Errors     map[string]string
}

func (p *Pages) approvalForm(w http.ResponseWriter, r *http.Request) {
	v, err := p.loadApproval(r)
	if err != nil {
		p.Fail(w, r, err)
		return
	}
	for _, rec := range v.Recordings {
		v.Selected[rec.ID] = true
	}
	v.Expiry = p.now().Add(access.DefaultGrantExpiry).In(p.zone).Format(time.DateOnly)
	p.render(w, r, http.StatusOK, "approval", "Decide a request", v)
}

func (p *Pages) loadApproval(r *http.Request) (*approvalView, error) {
	me, id := principal(r.Context()), r.PathValue("id")
	req, err := p.access.Request(r.Context(), me, id)
	if err != nil {
		return nil, err
	}
	recs, err := p.access.MatchedRecordings(r.Context(), me, id)
	if err != nil {
		return nil, err
	}
	now := p.now().In(p.zone)
	max := p.access.MaxExpiry
	if max <= 0 {
		max = access.DefaultMaxExpiry
	}
	return &approvalView{Request: req, Recordings: recs, Selected: map[string]bool{}, Errors: map[string]string{},
		MinExpiry: now.AddDate(0, 0, 1).Format(time.DateOnly), MaxExpiry: now.Add(max).Format(time.DateOnly)}, nil
}

// decide is POST /approvals/{id}: approve (with the recordings kept, the expiry and the
// download choice) or reject, each with the written statement; the same service calls as the
// API's approve and reject, asked first, so that the page refuses exactly what the API refuses.
// Only a form with bad fields is shown again, with what was typed.
func (p *Pages) decide(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.failStatus(w, r, http.StatusBadRequest, "That did not work", "The form could not be read. Please try again.")
		return
	}
	f := r.PostForm
	statement, expiry, download := f.Get("statement"), strings.TrimSpace(f.Get("expires")), f.Get("download") == "yes"
	me, id := principal(r.Context()), r.PathValue("id")
	formErrors := map[string]string{}
	var derr error
	switch f.Get("decision") {
	case "reject":
		_, derr = p.access.Reject(r.Context(), me, id, statement)
	case "approve":
		in := access.ApproveInput{Statement: statement, RecordingIDs: f["recording"], Download: download}
		if in.RecordingIDs == nil {
			in.RecordingIDs = []string{} // none ticked: the service says an approval needs one
		}
		if expiry != "" {
			day, ok := parseDay(expiry, p.zone)
			if !ok {
				formErrors["expires"] = "Enter a date, for example 27/11/2026."
			} else {
				end := day.AddDate(0, 0, 1).Add(-time.Minute) // the end of that day, where the organisation is
				in.ExpiresAt = &end
			}
		}
		if len(formErrors) == 0 {
			_, derr = p.access.Approve(r.Context(), me, id, in)
		}
	default:
		p.failStatus(w, r, http.StatusBadRequest, "That did not work", "Choose Approve or Reject.")
		return
	}
	if derr == nil && len(formErrors) == 0 {
		http.Redirect(w, r, "/approvals?decided="+id, http.StatusSeeOther)
		return
	}
	if derr != nil && !callvault.IsKind(derr, callvault.KindInvalid) {
		p.Fail(w, r, derr)
		return
	}
	v, err := p.loadApproval(r)
	if err != nil {
		p.Fail(w, r, err)
		return
	}
	v.Statement, v.Expiry, v.Download, v.Errors = statement, expiry, download, formErrors
	for _, rid := range f["recording"] {
		v.Selected[rid] = true
	}
	for _, fe := range callvault.FieldErrorsOf(derr) {
		name := fieldName(fe.Field)
		switch name {
		case "recording_ids":
			name = "recordings"
		case "expires_at":
			name = "expires"
		}
		if _, seen := v.Errors[name]; !seen {
			v.Errors[name] = sentence(fe.Problem)
		}
	}
	if len(v.Errors) == 0 {
		v.Errors["statement"] = sentence(callvault.ErrorMessage(derr))
	}
	p.render(w, r, http.StatusBadRequest, "approval", "Decide a request", v)
}

// partyNames lists a recording's parties for a table cell.
func partyNames(rec *callvault.Recording) string {
	var out []string
	for _, pt := range rec.Parties {
		switch {
		case pt.Name != "" && pt.Number.E164 != "":
			out = append(out, pt.Name+" ("+pt.Number.E164+")")
		case pt.Name != "":
			out = append(out, pt.Name)
		case pt.Number.E164 != "":
			out = append(out, pt.Number.E164)
		case pt.Number.Raw != "":
			out = append(out, pt.Number.Raw)
		}
	}
	return strings.Join(slices.Compact(out), ", ")
}
