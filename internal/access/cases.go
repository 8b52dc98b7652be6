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
	callvault.ActCaseExport:  {users: caseRunners, secondFactor: true, check: checkCase},
	callvault.ActCaseLink:    {users: caseRunners, secondFactor: true, check: checkCase},
	callvault.ActCaseClock:   {users: caseRunners, secondFactor: true, check: checkCase},
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

// MayRunCase reports whether p may run cases of type t (the check of every case.* action).
func MayRunCase(p *callvault.Principal, t callvault.CaseType) bool {
	return p != nil && checkCase(nil, p, Object{CaseType: t}).Allow
}
