package access

import "github.com/callvault/callvault"

// holdRules are the legal holds' lines of the permission table. The DPO places and releases
// holds by hand (the DPO runs the desk that answers for what is kept and why); the DPO,
// Directors and auditors may see which recordings are held and why, as the compliance status
// already shows them, and so may an auditor's token (a reporting integration). Holds of cases
// are placed and released by the case desk, under the case's own rules.
var holdRules = map[callvault.Action]rule{
	callvault.ActHoldPlace:   {users: []callvault.Role{callvault.RoleDPO}, secondFactor: true},
	callvault.ActHoldRelease: {users: []callvault.Role{callvault.RoleDPO}, secondFactor: true},
	callvault.ActHoldList: {users: []callvault.Role{callvault.RoleDPO, callvault.RoleDirector, callvault.RoleAuditor},
		tokens: []callvault.Role{callvault.RoleAuditor}},
}

// The holds' lines join the one table (a line is never defined twice).
func init() {
	for a, r := range holdRules {
		if _, dup := table[a]; dup {
			panic("access: action " + string(a) + " has two rules")
		}
		table[a] = r
	}
}
