package access

import (
	"slices"

	"github.com/callvault/callvault"
)

// caseRunners run the DPO's case desk: the DPO every type, Directors some (checkCase).
var caseRunners = []callvault.Role{callvault.RoleDPO, callvault.RoleDirector}

// flaggers are every user who takes calls: all but the auditor.
var flaggers = []callvault.Role{callvault.RoleDirector, callvault.RoleDPO, callvault.RoleManager, callvault.RoleStaff}

// caseRules are the case desk's lines of the permission table.
var caseRules = map[callvault.Action]rule{
	callvault.ActCaseOpen:    {users: caseRunners, secondFactor: true, check: checkCase},
	callvault.ActCaseRead:    {users: caseRunners, secondFactor: true, check: checkCase},
	callvault.ActCaseList:    {users: caseRunners, secondFactor: true},
	callvault.ActCaseSearch:  {users: caseRunners, secondFactor: true, check: checkCase},
	callvault.ActCaseInclude: {users: caseRunners, secondFactor: true, check: checkCase},
	callvault.ActCaseClose:   {users: caseRunners, secondFactor: true, check: checkCase},
	callvault.ActCaseExport:  {users: caseRunners, secondFactor: true, check: checkCaseExport},
	// A disciplinary release is agreed in writing by the DPO or a live delegate (mayDecide,
	// the rule of disciplinary access requests).
	callvault.ActCaseAgree: {users: requesters, secondFactor: true, check: checkCaseAgree},
	callvault.ActCaseLink:  {users: caseRunners, secondFactor: true, check: checkCase},
	callvault.ActCaseClock: {users: caseRunners, secondFactor: true, check: checkCase},
	// Any member of staff flags a call they took as abusive or nuisance; it opens an
	// abusive_call case but gives them nothing of it (case.read stays the runners').
	callvault.ActCaseFlag: {users: flaggers},
}

// The case desk's lines join the one table (a line is never defined twice).
func init() {
	for a, r := range caseRules {
		if _, dup := table[a]; dup {
			panic("access: action " + string(a) + " has two rules")
		}
		table[a] = r
	}
}

// directorCases are the case types Directors run beside the DPO.
var directorCases = []callvault.CaseType{callvault.CaseComplaint, callvault.CaseAbusiveCall}

// checkCase: "the DPO runs every case; a Director runs complaints and abusive calls". A case
// the principal may not run is not_found, so that nobody learns it exists.
func checkCase(_ *Rules, p *callvault.Principal, o Object) Decision {
	if !o.CaseType.Valid() {
		return deny(CodeNotFound, "no such case")
	}
	if p.Has(callvault.RoleDPO) || (p.Has(callvault.RoleDirector) && slices.Contains(directorCases, o.CaseType)) {
		return allow()
	}
	return deny(CodeNotFound, "only the DPO runs "+string(o.CaseType)+" cases")
}

// checkCaseExport: "a case's runner exports it; a disciplinary case only once the DPO or a live
// delegate agreed in writing to release exactly the recordings it includes".
func checkCaseExport(r *Rules, p *callvault.Principal, o Object) Decision {
	if d := checkCase(r, p, o); !d.Allow || o.CaseType != callvault.CaseDisciplinary {
		return d
	}
	if o.Case == nil {
		return deny(CodeForbidden, "a disciplinary release needs the DPO's written agreement")
	}
	a := o.Case.Agreement()
	if a == nil {
		return deny(CodeForbidden, "a disciplinary release needs the written agreement of the DPO or someone the DPO has authorised (POST /api/v1/cases/{id}/agreement)")
	}
	if !sameSet(a.Recordings, o.Case.Included()) {
		return deny(CodeForbidden, "the recordings included changed since the written agreement to release them; ask for a new agreement")
	}
	return allow()
}

// checkCaseAgree: "the DPO, or someone the DPO has authorised by a live delegation, agrees to a
// disciplinary release". Anyone else, and any other type of case, is not_found.
func checkCaseAgree(_ *Rules, p *callvault.Principal, o Object) Decision {
	if o.CaseType != callvault.CaseDisciplinary {
		return deny(CodeNotFound, "no such disciplinary case")
	}
	ok, flags := mayDecide(p, callvault.PurposeDisciplinary, o.Delegations, o.Now)
	if !ok {
		return deny(CodeNotFound, "only the DPO or someone the DPO has authorised agrees to a disciplinary release")
	}
	return Decision{Allow: true, Flags: flags}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

// MayRunCase reports whether p may run cases of type t (the check of every case.* action).
func MayRunCase(p *callvault.Principal, t callvault.CaseType) bool {
	return p != nil && checkCase(nil, p, Object{CaseType: t}).Allow
}
