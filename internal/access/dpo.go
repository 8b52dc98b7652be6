package access

import "github.com/callvault/callvault"

// dpoRules are the lines of the DPO's pages. The reports (metadata of many recordings, the PCI
// guard's alerts) are for the DPO alone: the policy names the DPO as the one told of card data
// and of calls without the announcement. Like the case desk, behind a second factor.
var dpoRules = map[callvault.Action]rule{
	callvault.ActReportAnnouncements: {users: []callvault.Role{callvault.RoleDPO}, secondFactor: true},
	callvault.ActPCIAlertList:        {users: []callvault.Role{callvault.RoleDPO}, secondFactor: true},
	// A note on a case is kept by whoever runs the case (checkCase, like case.read).
	callvault.ActCaseNote: {users: caseRunners, secondFactor: true, check: checkCase},
}

func init() {
	for a, r := range dpoRules {
		if _, dup := table[a]; dup {
			panic("access: action " + string(a) + " has two rules")
		}
		table[a] = r
	}
}
