package ui

import (
	"net/http"
	"strings"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/access"
)

// requestView is the request form: the fields of section 5.2 of the policy as typed, and a
// message per field.
type requestView struct {
	Purposes []callvault.Purpose
	Form     map[string]string
	Errors   map[string]string
}

var requestFields = []string{"purpose", "reason", "call_time", "call_from", "call_to", "extension", "external_number",
	"parties", "other_information"}

func (p *Pages) requestForm(w http.ResponseWriter, r *http.Request) {
	p.render(w, r, http.StatusOK, "request", "Request access to a call",
		requestView{Purposes: callvault.Purposes, Form: map[string]string{}, Errors: map[string]string{}})
}

// createRequest is POST /requests: the same as POST /api/v1/access-requests, as a form. A
// refused form comes back with everything typed and a message beside each bad field.
func (p *Pages) createRequest(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.failStatus(w, r, http.StatusBadRequest, "That did not work", "The form could not be read. Please try again.")
		return
	}
	v := requestView{Purposes: callvault.Purposes, Form: map[string]string{}, Errors: map[string]string{}}
	for _, f := range requestFields {
		v.Form[f] = r.PostForm.Get(f)
	}
	in := access.RequestInput{Purpose: v.Form["purpose"], Reason: v.Form["reason"], Extension: v.Form["extension"],
		ExternalNumber: v.Form["external_number"], Parties: splitNames(v.Form["parties"]),
		OtherInformation: v.Form["other_information"]}
	bad := map[string]bool{}
	for f, dst := range map[string]*string{"call_time": &in.CallTime, "call_from": &in.CallFrom, "call_to": &in.CallTo} {
		t, ok := p.fromLocalInput(v.Form[f])
		if !ok {
			bad[f] = true
			t = v.Form[f] // the service names it too, so "which call" is judged on what was typed
		}
		*dst = t
	}
	req, err := p.access.CreateRequest(r.Context(), principal(r.Context()), in)
	if err == nil {
		http.Redirect(w, r, "/requests?created="+req.ID, http.StatusSeeOther)
		return
	}
	if !callvault.IsKind(err, callvault.KindInvalid) {
		p.Fail(w, r, err)
		return
	}
	for _, fe := range callvault.FieldErrorsOf(err) {
		name := fieldName(fe.Field)
		if _, seen := v.Errors[name]; !seen {
			v.Errors[name] = requestMessage(name, fe.Problem)
		}
	}
	for f := range bad {
		v.Errors[f] = "Enter a date and time, for example 20/11/2026 10:05."
	}
	if len(v.Errors) == 0 {
		v.Errors["reason"] = sentence(callvault.ErrorMessage(err))
	}
	p.render(w, r, http.StatusBadRequest, "request", "Request access to a call", v)
}

// requestMessage words a field's problem for the form. The service decides what is wrong; the
// page only says it in the form's terms (a list to choose from rather than the API's values).
func requestMessage(field, problem string) string {
	required := strings.HasPrefix(problem, "is required")
	switch {
	case field == "purpose" && required:
		return "Choose the purpose from the list."
	case field == "purpose":
		return "Choose one of the purposes in the list."
	case field == "reason" && required:
		return "Say why you need the recording, in a sentence or more."
	case field == "call_time" && strings.HasPrefix(problem, "say which call"):
		return "Say which call: give at least one of the time of the call (or a period), the extension, the external number or the names of the parties."
	}
	return sentence(problem)
}

// requestLabels name the form's fields in the summary of problems.
var requestLabels = map[string]string{"purpose": "Purpose", "reason": "Reason", "call_time": "Date and time of the call",
	"call_from": "Period from", "call_to": "Period to", "extension": "Extension", "external_number": "External telephone number",
	"parties": "Names of the parties", "other_information": "Anything else"}

// myRequestsView lists the signed-in person's requests.
type myRequestsView struct {
	Requests []*access.RequestView
	Created  string
}

func (p *Pages) myRequests(w http.ResponseWriter, r *http.Request) {
	list, err := p.access.MyRequests(r.Context(), principal(r.Context()))
	if err != nil {
		p.Fail(w, r, err)
		return
	}
	created := r.URL.Query().Get("created")
	if !callvault.ValidID(created) {
		created = ""
	}
	p.render(w, r, http.StatusOK, "requests", "My requests", myRequestsView{Requests: list, Created: created})
}

// grantLive reports whether an approved request's grant may still be used.
func (p *Pages) grantLive(v *access.RequestView) bool {
	return v.GrantID != "" && !v.Revoked && v.ExpiresAt != nil && v.ExpiresAt.After(p.now())
}

// liveGrants are the requests of list whose grants are live.
func (p *Pages) liveGrants(list []*access.RequestView) []*access.RequestView {
	var out []*access.RequestView
	for _, v := range list {
		if p.grantLive(v) {
			out = append(out, v)
		}
	}
	return out
}
