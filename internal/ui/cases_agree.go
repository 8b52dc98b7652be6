package ui

import (
	"net/http"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/cases"
)

// agreementView is the page where the DPO, or someone the DPO authorised, agrees in writing to
// a disciplinary release: only what the agreement needs (cases.AgreementView), so that a
// delegate without case.read can reach the form.
type agreementView struct {
	*cases.AgreementView
	Done      string
	Error     string
	Statement string
}

// agreementPage is GET /cases/{id}/agreement.
func (p *Pages) agreementPage(w http.ResponseWriter, r *http.Request) {
	p.showAgreement(w, r, http.StatusOK, &agreementView{Done: doneMessages[r.URL.Query().Get("done")]})
}

func (p *Pages) showAgreement(w http.ResponseWriter, r *http.Request, status int, v *agreementView) {
	if p.cases == nil {
		p.Fail(w, r, errNoDesk)
		return
	}
	av, err := p.cases.AgreementView(r.Context(), principal(r.Context()), r.PathValue("id"))
	if err != nil {
		p.Fail(w, r, err)
		return
	}
	v.AgreementView = av
	p.render(w, r, status, "case_agreement", "Agreement to release "+av.Reference, v)
}

// caseAgree is POST /cases/{id}/agreement: the written agreement to a disciplinary release. The
// DPO comes from the case page and goes back to it; a delegate (or a form posted with
// back=agreement) stays on the agreement page.
func (p *Pages) caseAgree(w http.ResponseWriter, r *http.Request) {
	if !p.formOf(w, r) {
		return
	}
	me, id := principal(r.Context()), r.PathValue("id")
	f := typed(r, "statement")
	toCase := r.PostForm.Get("back") != "agreement"
	if toCase {
		av, err := p.cases.AgreementView(r.Context(), me, id)
		if err != nil {
			p.Fail(w, r, err)
			return
		}
		toCase = av.MayRead
	}
	if _, err := p.cases.Agree(r.Context(), me, id, cases.AgreeInput{Statement: f["statement"]}); err != nil {
		if toCase {
			p.caseRefused(w, r, "agree", f, err)
			return
		}
		status := http.StatusBadRequest
		switch {
		case callvault.IsKind(err, callvault.KindInvalid):
		case callvault.IsKind(err, callvault.KindConflict):
			status = http.StatusConflict
		default:
			p.Fail(w, r, err)
			return
		}
		p.showAgreement(w, r, status, &agreementView{Error: refusal(err), Statement: f["statement"]})
		return
	}
	if toCase {
		p.toCase(w, r, "agreed")
		return
	}
	http.Redirect(w, r, "/cases/"+id+"/agreement?done=agreed", http.StatusSeeOther)
}
