package ui

import (
	"net/http"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/access"
	"github.com/callvault/callvault/internal/cases"
)

// homeView is a person's home page, by role.
type homeView struct {
	CanRequest  bool
	Requests    []*access.RequestView
	Grants      []*access.RequestView
	CanApprove  bool
	Queue       []*access.RequestView
	NeedsFactor bool
	AuditorOnly bool
	PendingMine int
	// Agreements are the disciplinary releases awaiting the agreement of this delegate of the
	// DPO (cases_agree.go).
	Agreements []*cases.CaseView
}

// home is GET /: staff see "request access to a call", their requests and grants; those who
// decide see the approvals queue.
func (p *Pages) home(w http.ResponseWriter, r *http.Request) {
	me := principal(r.Context())
	ctx := r.Context()
	if !me.NoticeAcknowledged {
		http.Redirect(w, r, "/notice", http.StatusSeeOther) // the first sign-in: the notice comes first
		return
	}
	v := homeView{}
	if p.rules.Permits(me, callvault.ActRequestCreate).Allow {
		v.CanRequest = true
		mine, err := p.access.MyRequests(ctx, me)
		if err != nil {
			p.Fail(w, r, err)
			return
		}
		v.Grants = p.liveGrants(mine)
		for _, m := range mine {
			if m.Status == callvault.RequestPending {
				v.PendingMine++
			}
		}
		if len(mine) > 5 {
			mine = mine[:5]
		}
		v.Requests = mine
	}
	if p.cases != nil {
		var err error
		if v.Agreements, err = p.cases.AwaitingAgreement(ctx, me); err != nil {
			p.Fail(w, r, err)
			return
		}
	}
	if me.HasAny(callvault.RoleDirector, callvault.RoleManager, callvault.RoleDPO) {
		v.NeedsFactor = !me.SecondFactor
		q, err := p.access.Queue(ctx, me)
		switch {
		case err == nil:
			v.CanApprove, v.Queue = true, q
		case access.DeniedCode(err) == "":
			p.Fail(w, r, err)
			return
		}
	}
	v.AuditorOnly = !v.CanRequest && !v.CanApprove
	p.render(w, r, http.StatusOK, "home", "Home", v)
}
