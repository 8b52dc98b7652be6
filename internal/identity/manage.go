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
// returns the flags the change's audit event carries; a refusal is an access.denied event (a
// director trying to make a DPO is worth knowing about). The operator at the command line is
// not decided for: the change is flagged break_glass, and a dpo role given or removed says so.
func (s *Service) mayManage(ctx context.Context, by *callvault.Principal, o access.Object) ([]string, error) {
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
		object := "users"
		if o.UserID != "" {
			object = "user:" + o.UserID
		}
		var actor callvault.Actor
		if by != nil {
			actor = by.Actor
		}
		ev := s.event(ctx, actor, callvault.ActionAccessDenied, object, map[string]any{"action": string(callvault.ActUserManage),
			"reason": d.Reason, "code": d.Code, "roles_before": o.RolesBefore, "roles": o.RolesAfter})
		if err := s.audit(ctx, ev); err != nil {
			return nil, err
		}
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
