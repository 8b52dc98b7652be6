package ui

import (
	"context"
	"net/http"
	"net/url"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/cases"
)

// Flagger opens a case for the DPO from a staff member's flag of an abusive call they took
// (cases.Service.Flag).
type Flagger interface {
	Flag(ctx context.Context, p *callvault.Principal, in cases.FlagInput) (*cases.Flagged, error)
}

// flagView is the flag form as typed, a message per field, and the reference of a flag just
// made.
type flagView struct {
	Form      map[string]string
	Errors    map[string]string
	Reference string
	Labels    map[string]string
}

// flagForm is GET /flag: "flag one of my calls as abusive". After a flag (?reference=) it is
// the confirmation, which names the case's reference and nothing else about it.
func (p *Pages) flagForm(w http.ResponseWriter, r *http.Request) {
	v := flagView{Form: map[string]string{}, Errors: map[string]string{}, Labels: flagLabels}
	if ref := r.URL.Query().Get("reference"); callvault.ValidCaseReference(ref) {
		v.Reference = ref
	}
	p.render(w, r, http.StatusOK, "flag", "Flag an abusive call", v)
}

// flag is POST /flag: the same as POST /api/v1/cases/flag, as a form. The staff member gives
// the time of the call, the extension that took it and what happened; the DPO gets a case
// with the recordings near that time. The staff member never sees them, nor their audio.
func (p *Pages) flag(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.failStatus(w, r, http.StatusBadRequest, "That did not work", "The form could not be read. Please try again.")
		return
	}
	if p.flags == nil {
		p.Fail(w, r, callvault.Errorf(callvault.KindUnavailable, "this server takes no flags"))
		return
	}
	v := flagView{Form: map[string]string{}, Errors: map[string]string{}, Labels: flagLabels}
	for _, f := range []string{"call_time", "extension", "note"} {
		v.Form[f] = r.PostForm.Get(f)
	}
	callTime, ok := p.fromLocalInput(v.Form["call_time"])
	if !ok {
		callTime = v.Form["call_time"]
	}
	f, err := p.flags.Flag(r.Context(), principal(r.Context()), cases.FlagInput{CallTime: callTime,
		Extension: v.Form["extension"], Note: v.Form["note"]})
	if err == nil {
		http.Redirect(w, r, "/flag?reference="+url.QueryEscape(f.Reference), http.StatusSeeOther)
		return
	}
	if !callvault.IsKind(err, callvault.KindInvalid) {
		p.Fail(w, r, err)
		return
	}
	for _, fe := range callvault.FieldErrorsOf(err) {
		if _, seen := v.Errors[fe.Field]; !seen {
			v.Errors[fe.Field] = flagMessage(fe.Field, fe.Problem)
		}
	}
	if !ok {
		v.Errors["call_time"] = "Enter a date and time, for example 20/11/2026 10:05."
	}
	if len(v.Errors) == 0 {
		v.Errors["note"] = sentence(callvault.ErrorMessage(err))
	}
	p.render(w, r, http.StatusBadRequest, "flag", "Flag an abusive call", v)
}

// flagMessage words a field's problem for the form.
func flagMessage(field, problem string) string {
	switch {
	case field == "call_time" && problem == "is in the future":
		return "The time of the call is in the future: enter when the call was."
	case field == "call_time":
		return "Enter when the call was, as near as you remember."
	case field == "extension" && len(problem) >= 11 && problem[:11] == "is required":
		return "Enter the extension that took the call."
	}
	return sentence(problem)
}

// flagLabels name the form's fields in the summary of problems.
var flagLabels = map[string]string{"call_time": "When the call was", "extension": "Extension", "note": "What happened"}
