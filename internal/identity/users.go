package identity

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/access"
)

// NewUser describes a user to add.
type NewUser struct {
	Name  string
	Email string
	Roles []callvault.Role
	// Password, if set, is the initial password; otherwise a set-password link is issued.
	Password string
}

// AddUser adds a user on behalf of by (a signed-in user, whom the rules decide for, or the
// operator at the command line). It returns the secret of a one-time set-password link when no
// password was given ("" otherwise). Errors: KindInvalid (bad name, role or password),
// KindConflict (name taken), KindForbidden (the rules refuse, e.g. a director adding a DPO while
// the vault has one).
func (s *Service) AddUser(ctx context.Context, by *callvault.Principal, nu NewUser) (*callvault.User, string, error) {
	now := s.now()
	u := &callvault.User{ID: callvault.NewID(), Name: strings.TrimSpace(nu.Name), Email: strings.TrimSpace(nu.Email),
		CreatedAt: now}
	for _, r := range nu.Roles {
		if !slices.Contains(u.Roles, r) {
			u.Roles = append(u.Roles, r)
		}
	}
	if err := u.Validate(); err != nil {
		return nil, "", err
	}
	hasDPO, err := s.vaultHasDPO(ctx)
	if err != nil {
		return nil, "", err
	}
	flags, err := s.mayManage(ctx, by, access.Object{RolesAfter: u.Roles, VaultHasDPO: hasDPO})
	if err != nil {
		return nil, "", err
	}
	var link string
	if nu.Password != "" {
		if err := CheckPasswordPolicy(nu.Password, u.Name, s.settings().MinPasswordLength); err != nil {
			return nil, "", err
		}
		u.PasswordHash = HashPassword(nu.Password)
	} else {
		var hash string
		link, hash = newSecret(callvault.SetupPrefix)
		exp := now.Add(s.settings().SetupLinkTTL)
		u.SetupHash, u.SetupExpires = hash, &exp
	}
	ev := s.event(ctx, by.Actor, callvault.ActionUserCreate, "user:"+u.ID,
		withFlags(map[string]any{"name": u.Name, "roles": u.Roles, "set_password_link": link != ""}, flags))
	if err := s.Store.CreateUser(ctx, u, ev); err != nil {
		return nil, "", err
	}
	s.after(ctx)
	return u, link, nil
}

// SetPasswordWithLink sets the password of the user a one-time link was issued to, and spends
// the link. Every session of the user ends. Errors: KindNotFound for an unknown, used or expired
// link; KindInvalid for a password the policy refuses.
func (s *Service) SetPasswordWithLink(ctx context.Context, secret, password string) (*callvault.User, error) {
	if !strings.HasPrefix(secret, callvault.SetupPrefix) || len(secret) > 128 {
		return nil, callvault.Errorf(callvault.KindNotFound, "this set-password link is unknown, used or expired")
	}
	found, err := s.Store.UserBySetupHash(ctx, hashSecret(secret))
	if callvault.IsKind(err, callvault.KindNotFound) {
		return nil, callvault.Errorf(callvault.KindNotFound, "this set-password link is unknown, used or expired")
	}
	if err != nil {
		return nil, err
	}
	if err := CheckPasswordPolicy(password, found.Name, s.settings().MinPasswordLength); err != nil {
		return nil, err
	}
	hash := HashPassword(password)
	return s.update(ctx, found.ID, func(u *callvault.User) (*callvault.AuditEvent, error) {
		now := s.now()
		if u.SetupHash != hashSecret(secret) || u.SetupExpires == nil || !now.Before(*u.SetupExpires) || u.Disabled() {
			return nil, callvault.Errorf(callvault.KindNotFound, "this set-password link is unknown, used or expired")
		}
		u.PasswordHash, u.SetupHash, u.SetupExpires = hash, "", nil
		u.SessionEpoch, u.FailedLogins, u.LockedUntil = u.SessionEpoch+1, 0, nil
		return s.event(ctx, u.Actor(), callvault.ActionUserPassword, "user:"+u.ID, map[string]any{"via": "link"}), nil
	})
}

// IssueSetupLink gives an existing user a new set-password link (a forgotten password).
func (s *Service) IssueSetupLink(ctx context.Context, actor callvault.Actor, id string) (string, error) {
	secret, hash := newSecret(callvault.SetupPrefix)
	_, err := s.update(ctx, id, func(u *callvault.User) (*callvault.AuditEvent, error) {
		exp := s.now().Add(s.settings().SetupLinkTTL)
		u.SetupHash, u.SetupExpires = hash, &exp
		return s.event(ctx, actor, callvault.ActionUserLinkIssued, "user:"+u.ID, nil), nil
	})
	return secret, err
}

// SetDisabled disables or enables a user; a disabled user's sessions end at once.
// Disabling a user takes all its roles away and enabling gives them back, as far as the rules
// are concerned (only the DPO disables or enables a DPO).
func (s *Service) SetDisabled(ctx context.Context, by *callvault.Principal, id string, disabled bool) (*callvault.User, error) {
	hasDPO, err := s.vaultHasDPO(ctx)
	if err != nil {
		return nil, err
	}
	return s.update(ctx, id, func(u *callvault.User) (*callvault.AuditEvent, error) {
		if u.Disabled() == disabled {
			return nil, nil
		}
		o := access.Object{UserID: u.ID, RolesBefore: u.Roles, VaultHasDPO: hasDPO}
		if !disabled {
			o.RolesBefore, o.RolesAfter = nil, u.Roles
		}
		flags, err := s.mayManage(ctx, by, o)
		if err != nil {
			return nil, err
		}
		action := callvault.ActionUserEnable
		if disabled {
			now := s.now()
			u.DisabledAt, u.SessionEpoch = &now, u.SessionEpoch+1
			action = callvault.ActionUserDisable
		} else {
			u.DisabledAt = nil
		}
		return s.event(ctx, by.Actor, action, "user:"+u.ID, withFlags(map[string]any{"name": u.Name}, flags)), nil
	})
}

// NeedsBootstrap reports whether the vault has no users yet.
func (s *Service) NeedsBootstrap(ctx context.Context) (bool, error) {
	us, err := s.Store.Users(ctx)
	return len(us) == 0, err
}

// BootstrapLink returns a fresh one-time secret with which the first Director is created (see
// Bootstrap). It is held in this process only, for the set-password link's lifetime; a
// restart issues another.
func (s *Service) BootstrapLink() string {
	secret, hash := newSecret(callvault.SetupPrefix)
	s.bootMu.Lock()
	s.bootHash, s.bootUntil = hash, s.now().Add(s.settings().SetupLinkTTL)
	s.bootMu.Unlock()
	return secret
}

// IsBootstrapSecret reports whether secret is this process's live bootstrap secret.
func (s *Service) IsBootstrapSecret(secret string) bool {
	s.bootMu.Lock()
	defer s.bootMu.Unlock()
	return s.bootHash != "" && s.bootHash == hashSecret(secret) && s.now().Before(s.bootUntil)
}

// Bootstrap creates the first Director with the bootstrap secret, once. Errors: KindNotFound
// for a wrong or spent secret; KindConflict when the vault has users already.
func (s *Service) Bootstrap(ctx context.Context, secret, name, email, password string) (*callvault.User, error) {
	if !s.IsBootstrapSecret(secret) {
		return nil, callvault.Errorf(callvault.KindNotFound, "this set-password link is unknown, used or expired")
	}
	now := s.now()
	u := &callvault.User{ID: callvault.NewID(), Name: strings.TrimSpace(name), Email: strings.TrimSpace(email),
		Roles: []callvault.Role{callvault.RoleDirector}, CreatedAt: now}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	if err := CheckPasswordPolicy(password, u.Name, s.settings().MinPasswordLength); err != nil {
		return nil, err
	}
	u.PasswordHash = HashPassword(password)
	ev := s.event(ctx, u.Actor(), callvault.ActionUserCreate, "user:"+u.ID,
		map[string]any{"name": u.Name, "roles": u.Roles, "bootstrap": true})
	if err := s.Store.CreateFirstUser(ctx, u, ev); err != nil {
		return nil, err
	}
	s.bootMu.Lock()
	s.bootHash = ""
	s.bootMu.Unlock()
	s.after(ctx)
	return u, nil
}

// ChangePassword sets a new password for the signed-in user after checking the current one.
// Every session of the user ends, this one included. Errors: KindInvalid listing bad fields;
// KindForbidden for a wrong current password.
func (s *Service) ChangePassword(ctx context.Context, p *callvault.Principal, current, next string) error {
	var fe callvault.FieldErrors
	if current == "" {
		fe.Add("current", "is required")
	}
	if next == "" {
		fe.Add("new", "is required")
	} else if err := CheckPasswordPolicy(next, p.Name, s.settings().MinPasswordLength); err != nil {
		fe.Add("new", callvault.ErrorMessage(err))
	}
	if err := fe.Err(); err != nil {
		return err
	}
	u, err := s.Store.User(ctx, p.ID)
	if err != nil {
		return err
	}
	set, now := s.settings(), s.now()
	if u.LockedUntil != nil && now.Before(*u.LockedUntil) {
		return callvault.Errorf(callvault.KindForbidden, "the account is locked after too many wrong passwords until %s", u.LockedUntil.Format(time.RFC3339))
	}
	if !CheckPassword(u.PasswordHash, current) {
		// A wrong current password counts like a wrong sign-in, so a session left open is no
		// way to guess the password without limit; the lockout also ends the user's sessions.
		_, err := s.update(ctx, p.ID, func(u *callvault.User) (*callvault.AuditEvent, error) {
			u.FailedLogins++
			if u.FailedLogins >= set.MaxFailures {
				until := now.Add(set.LockoutFor)
				u.FailedLogins, u.LockedUntil, u.SessionEpoch = 0, &until, u.SessionEpoch+1
				return s.event(ctx, p.Actor, callvault.ActionLockout, "user:"+u.ID,
					map[string]any{"until": until.Format(time.RFC3339), "via": "password change", "failures": set.MaxFailures}), nil
			}
			return s.event(ctx, p.Actor, callvault.ActionLoginFailed, "user:"+u.ID,
				map[string]any{"reason": "wrong current password at a password change", "failures": u.FailedLogins}), nil
		})
		if err != nil {
			return err
		}
		return callvault.Errorf(callvault.KindForbidden, "the current password is wrong")
	}
	hash := HashPassword(next)
	_, err = s.update(ctx, p.ID, func(u *callvault.User) (*callvault.AuditEvent, error) {
		if u.LockedUntil != nil && now.Before(*u.LockedUntil) {
			return nil, callvault.Errorf(callvault.KindForbidden, "the account is locked after too many wrong passwords until %s", u.LockedUntil.Format(time.RFC3339))
		}
		u.PasswordHash, u.SessionEpoch, u.FailedLogins = hash, u.SessionEpoch+1, 0
		return s.event(ctx, p.Actor, callvault.ActionUserPassword, "user:"+u.ID, map[string]any{"via": "self"}), nil
	})
	return err
}

// SetRoles replaces a user's roles. Errors: KindInvalid for no role or a role no user may hold;
// KindNotFound for no such user.
// The rules decide for by as for AddUser.
func (s *Service) SetRoles(ctx context.Context, by *callvault.Principal, id string, roles []callvault.Role) (*callvault.User, error) {
	var clean []callvault.Role
	for _, r := range roles {
		if !r.HumanRole() {
			return nil, callvault.FieldErrors{{Field: "roles", Problem: fmt.Sprintf("%q is not a role a user may hold (director, dpo, manager, staff, auditor)", r)}}
		}
		if !slices.Contains(clean, r) {
			clean = append(clean, r)
		}
	}
	if len(clean) == 0 {
		return nil, callvault.FieldErrors{{Field: "roles", Problem: "at least one role is required"}}
	}
	hasDPO, err := s.vaultHasDPO(ctx)
	if err != nil {
		return nil, err
	}
	return s.update(ctx, id, func(u *callvault.User) (*callvault.AuditEvent, error) {
		before := u.Roles
		flags, err := s.mayManage(ctx, by, access.Object{UserID: u.ID, RolesBefore: before, RolesAfter: clean, VaultHasDPO: hasDPO})
		if err != nil {
			return nil, err
		}
		u.Roles = clean
		return s.event(ctx, by.Actor, callvault.ActionUserUpdate, "user:"+u.ID,
			withFlags(map[string]any{"name": u.Name, "roles_before": before, "roles": clean}, flags)), nil
	})
}
