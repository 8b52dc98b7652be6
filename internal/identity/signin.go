package identity

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/callvault/callvault"
)

// Sign-in refusals. They say no more than needed: a wrong name and a wrong password read alike.
var (
	errBadCredentials = callvault.Errorf(callvault.KindUnauthenticated, "wrong user name or password")
	errNoSession      = callvault.Errorf(callvault.KindUnauthenticated, "not signed in, or the session has ended; sign in with POST /api/v1/login")
)

// ErrSecondFactor is the refusal of a sign-in that needs a TOTP (or recovery) code.
var ErrSecondFactor = callvault.Errorf(callvault.KindUnauthenticated, "a code from the authenticator app (or a recovery code) is required in \"totp\"")

// lockedError is the refusal of a sign-in as a locked user name, real or not. The UI reads the
// time after "until".
func lockedError(until time.Time) error {
	return callvault.Errorf(callvault.KindUnauthenticated,
		"the account is locked after too many wrong passwords until %s; the right password is refused until then", until.Format(time.RFC3339))
}

// checkPassword is CheckPassword through the service's hook (tests count the hashes computed).
func (s *Service) checkPassword(hash, password string) bool {
	if s.verify != nil {
		return s.verify(hash, password)
	}
	return CheckPassword(hash, password)
}

// SignIn is a successful sign-in: the cookie secret (shown once) and its session.
type SignIn struct {
	Secret  string
	Session *callvault.Session
	User    *callvault.User
}

// Login checks a user name, password and (if enrolled) TOTP code from client address addr. It
// counts wrong passwords: MaxFailures in a row lock the account for LockoutFor (audited), and
// during a lockout even the right password is refused. An address with too many failures is
// refused (KindRateLimited) for the rest of its window. Nothing secret is logged or audited.
func (s *Service) Login(ctx context.Context, name, password, code, addr string) (*SignIn, error) {
	set := s.settings()
	now := s.now()
	if s.throttle.blocked(addr, now, set.AddressFailures, set.AddressWindow) {
		return nil, callvault.Errorf(callvault.KindRateLimited, "too many failed sign-ins from this address; wait %s", set.AddressWindow)
	}
	fail := func(u *callvault.User, reason string) error {
		s.throttle.fail(addr, now, set.AddressWindow)
		actor, object := callvault.Actor("anonymous"), ""
		if u != nil {
			actor, object = u.Actor(), "user:"+u.ID
		}
		return s.audit(ctx, s.event(ctx, actor, callvault.ActionLoginFailed, object,
			map[string]any{"reason": reason, "address": addr}))
	}
	if err := callvault.ValidateUserName(name); err != nil || password == "" || len(password) > MaxPasswordLength {
		s.checkPassword(dummyHash(), password)
		return nil, errors.Join(errBadCredentials, fail(nil, "unknown user"))
	}
	// A name that is no usable account (unknown, disabled, no password yet) is refused exactly
	// as a real account is: the same argon2 work, and the same lockout after MaxFailures wrong
	// tries (counted in memory), so neither the answer nor its time tells which names exist.
	noAccount := func(u *callvault.User, reason string) (*SignIn, error) {
		s.checkPassword(dummyHash(), password)
		if until, ok := s.names.locked(name, now); ok {
			return nil, errors.Join(lockedError(until), fail(u, reason+", locked"))
		}
		s.names.fail(name, now, set.MaxFailures, set.LockoutFor)
		return nil, errors.Join(errBadCredentials, fail(u, reason))
	}
	found, err := s.Store.UserByName(ctx, name)
	if callvault.IsKind(err, callvault.KindNotFound) {
		return noAccount(nil, "unknown user")
	}
	if err != nil {
		return nil, err
	}
	if found.Disabled() || found.PasswordHash == "" {
		return noAccount(found, "disabled or no password")
	}
	if found.LockedUntil != nil && now.Before(*found.LockedUntil) {
		s.checkPassword(found.PasswordHash, password) // the same work as any other refusal
		return nil, errors.Join(lockedError(*found.LockedUntil), fail(found, "locked"))
	}
	passwordOK := s.checkPassword(found.PasswordHash, password)
	hasPasskey := false
	if passwordOK {
		if hasPasskey, err = s.hasPasskey(ctx, found.ID); err != nil {
			return nil, err
		}
	}
	var recovery, needCode, hasTOTP bool
	u, err := s.update(ctx, found.ID, func(u *callvault.User) (*callvault.AuditEvent, error) {
		recovery, needCode = false, false
		if u.LockedUntil != nil && now.Before(*u.LockedUntil) {
			return nil, lockedError(*u.LockedUntil)
		}
		good := passwordOK
		hasTOTP = u.TOTPConfirmedAt != nil
		if good && (hasTOTP || hasPasskey) {
			if strings.TrimSpace(code) == "" {
				needCode = true
				return nil, ErrSecondFactor
			}
			good, recovery = s.useSecondFactor(u, code)
		}
		if !good {
			u.FailedLogins++
			if u.FailedLogins >= set.MaxFailures {
				until := now.Add(set.LockoutFor)
				u.FailedLogins, u.LockedUntil = 0, &until
				return s.event(ctx, u.Actor(), callvault.ActionLockout, "user:"+u.ID,
					map[string]any{"until": until.Format(time.RFC3339), "address": addr, "failures": set.MaxFailures}), errBadCredentials
			}
			return s.event(ctx, u.Actor(), callvault.ActionLoginFailed, "user:"+u.ID,
				map[string]any{"reason": "wrong password or code", "address": addr, "failures": u.FailedLogins}), errBadCredentials
		}
		if u.FailedLogins == 0 && u.LockedUntil == nil && u.TOTPConfirmedAt == nil {
			return nil, nil // nothing to write
		}
		u.FailedLogins, u.LockedUntil = 0, nil
		detail := map[string]any{"reason": "sign-in"}
		if recovery {
			detail["recovery_code_used"] = true
		}
		return s.event(ctx, u.Actor(), callvault.ActionUserUpdate, "user:"+u.ID, detail), nil
	})
	if err != nil {
		if err == errBadCredentials || needCode {
			s.throttle.fail(addr, now, set.AddressWindow)
		}
		if needCode && hasPasskey {
			need := &NeedSecondFactor{TOTP: hasTOTP}
			if need.Passkey, err = s.beginPasskeyLogin(ctx, u); err != nil && hasTOTP {
				return nil, ErrSecondFactor // passkeys are off: the app still works
			} else if err != nil {
				return nil, err
			}
			return nil, need
		}
		return nil, err
	}
	return s.startSession(ctx, u, addr, recovery)
}

func (s *Service) startSession(ctx context.Context, u *callvault.User, addr string, recovery bool) (*SignIn, error) {
	set := s.settings()
	now := s.now()
	secret, hash := newSecret(callvault.SessionPrefix)
	sess := &callvault.Session{ID: hash, UserID: u.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(set.SessionMax),
		Epoch: u.SessionEpoch}
	detail := map[string]any{"address": addr, "session": hash[:16]}
	if recovery {
		detail["recovery_code_used"] = true
	}
	if err := s.Store.CreateSession(ctx, sess, s.event(ctx, u.Actor(), callvault.ActionLogin, "user:"+u.ID, detail)); err != nil {
		return nil, err
	}
	s.after(ctx)
	return &SignIn{Secret: secret, Session: sess, User: u}, nil
}

// touchEvery bounds how often a session's LastSeenAt is written.
const touchEvery = time.Minute

// Authenticate returns the principal of a session cookie's secret. A session ends when it is
// older than SessionMax, idle longer than SessionIdle, signed out, or its user is disabled or
// has changed password or signed out everywhere since. Errors: KindUnauthenticated.
func (s *Service) Authenticate(ctx context.Context, secret string) (*callvault.Principal, error) {
	if !strings.HasPrefix(secret, callvault.SessionPrefix) || len(secret) > 128 {
		return nil, errNoSession
	}
	set := s.settings()
	now := s.now()
	sess, err := s.Store.Session(ctx, hashSecret(secret))
	if callvault.IsKind(err, callvault.KindNotFound) {
		return nil, errNoSession
	}
	if err != nil {
		return nil, err
	}
	if !now.Before(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) > set.SessionIdle {
		return nil, errNoSession
	}
	u, err := s.Store.User(ctx, sess.UserID)
	if err != nil {
		if callvault.IsKind(err, callvault.KindNotFound) {
			return nil, errNoSession
		}
		return nil, err
	}
	if u.Disabled() || sess.Epoch != u.SessionEpoch {
		return nil, errNoSession
	}
	if now.Sub(sess.LastSeenAt) >= touchEvery {
		if err := s.Store.TouchSession(ctx, sess.ID, now); err != nil && !callvault.IsKind(err, callvault.KindNotFound) {
			return nil, err
		}
	}
	second := u.TOTPConfirmedAt != nil
	if !second {
		if second, err = s.hasPasskey(ctx, u.ID); err != nil {
			return nil, err
		}
	}
	notice, err := s.CurrentNotice(ctx)
	if err != nil {
		return nil, err
	}
	return &callvault.Principal{Kind: callvault.PrincipalUser, ID: u.ID, Name: u.Name, Actor: u.Actor(),
		Roles: u.Roles, SessionID: sess.ID, SecondFactor: second,
		NoticeAcknowledged: u.NoticeVersion >= notice.Version}, nil
}

// Logout ends the principal's session.
func (s *Service) Logout(ctx context.Context, p *callvault.Principal) error {
	err := s.Store.DeleteSession(ctx, p.SessionID, s.event(ctx, p.Actor, callvault.ActionLogout, "user:"+p.ID, nil))
	if err == nil {
		s.after(ctx)
	}
	return err
}

// LogoutEverywhere ends every session of the principal's user.
func (s *Service) LogoutEverywhere(ctx context.Context, p *callvault.Principal) error {
	_, err := s.update(ctx, p.ID, func(u *callvault.User) (*callvault.AuditEvent, error) {
		u.SessionEpoch++
		return s.event(ctx, p.Actor, callvault.ActionLogoutEverywhere, "user:"+u.ID, nil), nil
	})
	return err
}
