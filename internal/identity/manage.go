package identity

import (
	"context"
	"slices"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/access"
)

// Flags of user changes made at the command line, which the rules do not decide for (see
// docs/ARCHITECTURE.md, "The command line is break-glass").
const (
	FlagBreakGlass = "break_glass"
	FlagDPOGiven   = "dpo_role_given"
	FlagDPORemoved = "dpo_role_removed"
)

// vaultHasDPO is the fact the rules need about the dpo role: some enabled user holds it.
func (s *Service) vaultHasDPO(ctx context.Context) (bool, error) {
	us, err := s.Store.Users(ctx)
	if err != nil {
		return false, err
	}
	for _, u := range us {
		if !u.Disabled() && slices.Contains(u.Roles, callvault.RoleDPO) {
			return true, nil
		}
	}
	return false, nil
}

// mayManage asks the rules whether by may make the user change o (action user.manage) and
// returns the flags the change's audit event carries. The operator at the command line is not
// decided for: the change is flagged break_glass, and a dpo role given or removed says so.
func (s *Service) mayManage(by *callvault.Principal, o access.Object) ([]string, error) {
	if by != nil && by.Kind == callvault.PrincipalOperator {
		flags := []string{FlagBreakGlass}
		given, removed := access.DPOChange(o.RolesBefore, o.RolesAfter)
		if given {
			flags = append(flags, FlagDPOGiven)
		}
		if removed {
			flags = append(flags, FlagDPORemoved)
		}
		return flags, nil
	}
	o.Now = s.now()
	d := s.Rules.Decide(by, callvault.ActUserManage, o)
	if !d.Allow {
		return nil, &access.Denied{Decision: d}
	}
	return d.Flags, nil
}

// withFlags adds flags (if any) to an audit detail.
func withFlags(detail map[string]any, flags []string) map[string]any {
	if len(flags) > 0 {
		detail["flags"] = flags
	}
	return detail
}
