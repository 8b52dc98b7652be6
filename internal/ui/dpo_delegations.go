package ui

import (
	"net/http"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/access"
)

// delegationsView lists the DPO's written authorisations of others to decide disciplinary
// requests and releases, with the form that writes a new one.
type delegationsView struct {
	Delegations []*callvault.Delegation
	Now         time.Time
	CanCreate   bool
	Form        map[string]string
	Errors      map[string]string
	Done        string
}

func (p *Pages) delegations(w http.ResponseWriter, r *http.Request) {
	v, err := p.loadDelegations(r)
	if err != nil {
		p.Fail(w, r, err)
		return
	}
	switch r.URL.Query().Get("done") {
	case "created":
		v.Done = "The delegation is recorded. It is in force from its start until its end, unless you withdraw it."
	case "revoked":
		v.Done = "The delegation is withdrawn."
	}
	p.render(w, r, http.StatusOK, "delegations", "Delegations", v)
}

func (p *Pages) loadDelegations(r *http.Request) (*delegationsView, error) {
	me := principal(r.Context())
	ds, err := p.access.Delegations(r.Context(), me)
	if err != nil {
		return nil, err
	}
	now := p.now().In(p.zone)
	return &delegationsView{Delegations: ds, Now: p.now(), CanCreate: p.rules.Permits(me, callvault.ActDelegationCreate).Allow,
		Form:   map[string]string{"from": now.Format(time.DateOnly), "until": now.AddDate(0, 1, 0).Format(time.DateOnly)},
		Errors: map[string]string{}}, nil
}

// createDelegation is POST /delegations: the same as POST /api/v1/delegations, as a form. The
// days are whole days where the organisation is: from the start of the first to the end of the
// last.
func (p *Pages) createDelegation(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.failStatus(w, r, http.StatusBadRequest, "That did not work", "The form could not be read. Please try again.")
		return
	}
	f := typed(r, "delegate", "from", "until", "statement")
	in := access.DelegationInput{Delegate: f["delegate"], Statement: f["statement"]}
	errs := map[string]string{}
	if t, ok := p.day(f["from"]); !ok {
		errs["from"] = "Enter a date, for example 27/11/2026."
	} else if !t.IsZero() {
		in.From = &t
	}
	if t, ok := p.day(f["until"]); !ok {
		errs["until"] = "Enter a date, for example 27/11/2026."
	} else if !t.IsZero() {
		end := t.AddDate(0, 0, 1)
		in.Until = &end
	}
	var err error
	if len(errs) == 0 {
		_, err = p.access.CreateDelegation(r.Context(), principal(r.Context()), in)
		if err == nil {
			http.Redirect(w, r, "/delegations?done=created", http.StatusSeeOther)
			return
		}
		if !callvault.IsKind(err, callvault.KindInvalid) {
			p.Fail(w, r, err)
			return
		}
		p.fieldErrors(errs, err, map[string]string{}, "delegate")
	}
	v, lerr := p.loadDelegations(r)
	if lerr != nil {
		p.Fail(w, r, lerr)
		return
	}
	v.Form, v.Errors = f, errs
	p.render(w, r, http.StatusBadRequest, "delegations", "Delegations", v)
}

// day reads a date input (YYYY-MM-DD, or a day typed as 27/11/2026: dates.go) as the start of that day in the organisation's zone; ""
// is the zero time and ok.
func (p *Pages) day(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, true
	}
	return parseDay(s, p.zone)
}

// revokeDelegation is POST /delegations/{id}/revoke.
func (p *Pages) revokeDelegation(w http.ResponseWriter, r *http.Request) {
	if _, err := p.access.RevokeDelegation(r.Context(), principal(r.Context()), r.PathValue("id")); err != nil {
		p.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/delegations?done=revoked", http.StatusSeeOther)
}
