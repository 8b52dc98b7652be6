package ui

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/cases"
)

// formOf parses a posted form, answering the error page when it cannot be read.
func (p *Pages) formOf(w http.ResponseWriter, r *http.Request) bool {
	if err := r.ParseForm(); err != nil {
		p.failStatus(w, r, http.StatusBadRequest, "That did not work", "The form could not be read. Please try again.")
		return false
	}
	if p.cases == nil {
		p.Fail(w, r, errNoDesk)
		return false
	}
	return true
}

func typed(r *http.Request, fields ...string) map[string]string {
	out := map[string]string{}
	for _, f := range fields {
		out[f] = r.PostForm.Get(f)
	}
	return out
}

func (p *Pages) toCase(w http.ResponseWriter, r *http.Request, done string) {
	http.Redirect(w, r, "/cases/"+r.PathValue("id")+"?done="+done, http.StatusSeeOther)
}

// caseClock is POST /cases/{id}/clock: stop (identity or clarification), restart or extend.
func (p *Pages) caseClock(w http.ResponseWriter, r *http.Request) {
	if !p.formOf(w, r) {
		return
	}
	f := typed(r, "action", "reason", "date", "months", "extend_reason")
	in := cases.ClockInput{Action: f["action"], Reason: f["reason"], Date: p.isoDay(f["date"])}
	if in.Action == "extend" {
		in.Reason = f["extend_reason"]
		in.Months, _ = strconv.Atoi(f["months"])
	}
	if _, err := p.cases.Clock(r.Context(), principal(r.Context()), r.PathValue("id"), in); err != nil {
		p.caseRefused(w, r, "clock", f, err)
		return
	}
	p.toCase(w, r, "clock")
}

// caseLinkIssue is POST /cases/{id}/links: a listening link for the requester. Its address
// holds the secret and is shown on this answer only (the vault keeps its hash).
func (p *Pages) caseLinkIssue(w http.ResponseWriter, r *http.Request) {
	if !p.formOf(w, r) {
		return
	}
	f := typed(r, "expires_in_days", "max_plays", "passcode", "allow_copy")
	in := cases.LinkInput{Passcode: f["passcode"], AllowCopy: f["allow_copy"] == "yes"}
	var bad callvault.FieldErrors
	for field, dst := range map[string]*int{"expires_in_days": &in.ExpiresInDays, "max_plays": &in.MaxPlays} {
		if s := strings.TrimSpace(f[field]); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				bad.Add(field, "is not a whole number")
			}
			*dst = n
		}
	}
	if err := bad.Err(); err != nil {
		p.caseRefused(w, r, "link", f, err)
		return
	}
	l, err := p.cases.IssueLink(r.Context(), principal(r.Context()), r.PathValue("id"), in)
	if err != nil {
		f["passcode"] = "" // never echoed back
		p.caseRefused(w, r, "link", f, err)
		return
	}
	base := strings.TrimRight(p.publicURL, "/")
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	l.URL = base + l.Path
	v, err := p.loadCase(r)
	if err != nil {
		p.Fail(w, r, err)
		return
	}
	v.Issued = l
	p.render(w, r, http.StatusCreated, "case_link", "Listening link issued", v)
}

// caseLinkRevoke is POST /cases/{id}/links/{link}/revoke.
func (p *Pages) caseLinkRevoke(w http.ResponseWriter, r *http.Request) {
	if !p.formOf(w, r) {
		return
	}
	if _, err := p.cases.RevokeLink(r.Context(), principal(r.Context()), r.PathValue("id"), r.PathValue("link")); err != nil {
		p.caseRefused(w, r, "link", map[string]string{}, err)
		return
	}
	p.toCase(w, r, "revoked")
}

// caseClose is POST /cases/{id}/close: the outcome (and an external body's decision).
func (p *Pages) caseClose(w http.ResponseWriter, r *http.Request) {
	if !p.formOf(w, r) {
		return
	}
	f := typed(r, "outcome", "decision", "reasoning")
	in := cases.CloseInput{Outcome: f["outcome"], Decision: f["decision"], Reasoning: f["reasoning"]}
	if _, err := p.cases.Close(r.Context(), principal(r.Context()), r.PathValue("id"), in); err != nil {
		p.caseRefused(w, r, "close", f, err)
		return
	}
	p.toCase(w, r, "closed")
}

// caseBundle is POST /cases/{id}/bundle: the signed disclosure bundle of the included
// recordings, answered as the zip itself (a download), or encrypted with age to a passphrase or
// a recipient when one is given, exactly as the API's bundle route.
func (p *Pages) caseBundle(w http.ResponseWriter, r *http.Request) {
	if !p.formOf(w, r) {
		return
	}
	me := principal(r.Context())
	in := cases.ExportInput{Recipient: strings.TrimSpace(r.PostForm.Get("recipient")), Passphrase: r.PostForm.Get("passphrase")}
	e, err := p.cases.Export(r.Context(), me, r.PathValue("id"), in)
	if err != nil {
		p.caseRefused(w, r, "bundle", map[string]string{"recipient": in.Recipient}, err) // the passphrase is never echoed
		return
	}
	defer e.Close()
	h := w.Header()
	h.Set("Content-Type", e.ContentType())
	h.Set("Content-Disposition", `attachment; filename="`+e.Filename()+`"`)
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", csp)
	w.WriteHeader(http.StatusOK)
	if err := e.Write(w); err != nil {
		// The status is sent: the browser keeps a truncated zip, which does not verify.
		p.log.ErrorContext(r.Context(), "disclosure bundle cut short", "case", e.Case.ID, "err", err)
		return
	}
	if err := p.cases.RecordDisclosure(r.Context(), me, e); err != nil {
		p.log.ErrorContext(r.Context(), "disclosure not recorded", "case", e.Case.ID, "err", err)
	}
}

// caseNote is POST /cases/{id}/notes: a note kept on the case.
func (p *Pages) caseNote(w http.ResponseWriter, r *http.Request) {
	if !p.formOf(w, r) {
		return
	}
	f := typed(r, "note")
	if _, err := p.cases.Note(r.Context(), principal(r.Context()), r.PathValue("id"), f["note"]); err != nil {
		p.caseRefused(w, r, "note", f, err)
		return
	}
	http.Redirect(w, r, "/cases/"+r.PathValue("id")+"?done=noted#notes-h", http.StatusSeeOther)
}
