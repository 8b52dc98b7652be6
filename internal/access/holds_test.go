package access

import (
	"testing"

	"github.com/callvault/callvault"
)

// The DPO alone places and releases holds by hand, with a second factor; the DPO, Directors,
// auditors and an auditor's token list them; nobody else does either.
func TestHoldRules(t *testing.T) {
	dpo, director, auditor := user("dora", callvault.RoleDPO), user("dan", callvault.RoleDirector), user("al", callvault.RoleAuditor)
	manager, staff := user("mia", callvault.RoleManager), user("sam", callvault.RoleStaff)
	noTOTPDPO := user("dee", callvault.RoleDPO)
	noTOTPDPO.SecondFactor = false
	rows := []struct {
		name string
		p    *callvault.Principal
		a    callvault.Action
		code string // "" for allowed
	}{
		{"DPO places", dpo, callvault.ActHoldPlace, ""},
		{"DPO releases", dpo, callvault.ActHoldRelease, ""},
		{"DPO lists", dpo, callvault.ActHoldList, ""},
		{"DPO needs a second factor to place", noTOTPDPO, callvault.ActHoldPlace, CodeSecondFactor},
		{"director places none", director, callvault.ActHoldPlace, CodeForbidden},
		{"director releases none", director, callvault.ActHoldRelease, CodeForbidden},
		{"director lists", director, callvault.ActHoldList, ""},
		{"auditor lists", auditor, callvault.ActHoldList, ""},
		{"auditor releases none", auditor, callvault.ActHoldRelease, CodeForbidden},
		{"auditor token lists", token(callvault.RoleAuditor), callvault.ActHoldList, ""},
		{"recorder token lists none", token(callvault.RoleRecorder), callvault.ActHoldList, CodeForbidden},
		{"manager token places none", token(callvault.RoleManager), callvault.ActHoldPlace, CodeForbidden},
		{"manager lists none", manager, callvault.ActHoldList, CodeForbidden},
		{"staff place none", staff, callvault.ActHoldPlace, CodeForbidden},
	}
	for _, tt := range rows {
		d := (&Rules{}).Decide(tt.p, tt.a, Object{Now: now})
		if d.Allow != (tt.code == "") || d.Code != tt.code {
			t.Errorf("%s: %+v, want code %q", tt.name, d, tt.code)
		}
	}
}
