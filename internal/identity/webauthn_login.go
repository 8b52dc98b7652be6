package identity

import (
	"bytes"
	"context"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/callvault/callvault"
)

// NeedSecondFactor is the refusal of a sign-in whose password was right and which needs a
// second factor. It matches ErrSecondFactor (errors.Is). Passkey, when the person has one, is
// the sign-in ceremony to finish with FinishPasskeyLogin instead of sending a code.
type NeedSecondFactor struct {
	TOTP    bool // an authenticator app (or recovery codes) can be used
	Passkey *PasskeyCeremony
}

func (e *NeedSecondFactor) Error() string { return e.Unwrap().Error() }

// Unwrap gives the refusal's Kind and message.
func (e *NeedSecondFactor) Unwrap() error {
	if e.TOTP || e.Passkey == nil {
		return ErrSecondFactor
	}
	return errPasskeyNeeded
}

// Is makes every NeedSecondFactor match ErrSecondFactor.
func (e *NeedSecondFactor) Is(target error) bool { return target == ErrSecondFactor }

var errPasskeyNeeded = callvault.Errorf(callvault.KindUnauthenticated, "this account signs in with a passkey: use the sign-in page in a browser")

// beginPasskeyLogin starts the passkey step of u's sign-in, after the right password.
func (s *Service) beginPasskeyLogin(ctx context.Context, u *callvault.User) (*PasskeyCeremony, error) {
	rp, err := s.relyingParty()
	if err != nil {
		return nil, err
	}
	pu, err := s.loadPasskeyUser(ctx, u)
	if err != nil {
		return nil, err
	}
	assertion, data, err := rp.BeginLogin(pu, webauthn.WithUserVerification(protocol.VerificationPreferred))
	if err != nil {
		return nil, callvault.WrapError(callvault.KindInternal, err, "cannot start the passkey sign-in")
	}
	return s.startCeremony(ceremony{userID: u.ID, data: *data}, assertion)
}

var errPasskeySignIn = callvault.Errorf(callvault.KindUnauthenticated, "the passkey was not accepted; sign in again")

// FinishPasskeyLogin completes a sign-in with the browser's answer (the assertion JSON) to the
// ticket the password step gave, from client address addr. The ticket is single use and
// expires after five minutes. The assertion must verify against one of the person's passkeys,
// for this vault's RP ID and origin, and its signature counter must rise above the stored one
// (when either is non-zero): a counter that does not is refused as a possible clone. Each use
// and each refusal is audited; a refusal counts against the address like a wrong password.
// Errors: KindUnauthenticated; KindRateLimited when the address has failed too often.
func (s *Service) FinishPasskeyLogin(ctx context.Context, ticket string, response []byte, addr string) (*SignIn, error) {
	set, now := s.settings(), s.now()
	if s.throttle.blocked(addr, now, set.AddressFailures, set.AddressWindow) {
		return nil, callvault.Errorf(callvault.KindRateLimited, "too many failed sign-ins from this address; wait %s", set.AddressWindow)
	}
	cer, ok := s.ceremonies.take(ticket, false, now)
	if !ok {
		s.throttle.fail(addr, now, set.AddressWindow)
		return nil, callvault.Errorf(callvault.KindUnauthenticated, "the sign-in took too long or was used already; sign in again")
	}
	rp, err := s.relyingParty()
	if err != nil {
		return nil, err
	}
	u, err := s.Store.User(ctx, cer.userID)
	if err != nil {
		return nil, err
	}
	refuse := func(reason string, detail map[string]any) (*SignIn, error) {
		s.throttle.fail(addr, now, set.AddressWindow)
		if detail == nil {
			detail = map[string]any{}
		}
		detail["reason"], detail["address"] = reason, addr
		if err := s.audit(ctx, s.event(ctx, u.Actor(), callvault.ActionPasskeyRefused, "user:"+u.ID, detail)); err != nil {
			return nil, err
		}
		return nil, errPasskeySignIn
	}
	if u.Disabled() || (u.LockedUntil != nil && now.Before(*u.LockedUntil)) {
		return refuse("account disabled or locked", nil)
	}
	pu, err := s.loadPasskeyUser(ctx, u)
	if err != nil {
		return nil, err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(response)
	if err != nil {
		return refuse("unreadable passkey answer", nil)
	}
	cred, err := rp.ValidateLogin(pu, cer.data, parsed)
	if err != nil {
		return refuse("passkey answer did not verify", nil)
	}
	var key *callvault.Passkey
	for i, c := range pu.creds {
		if bytes.Equal(c.ID, cred.ID) {
			key = pu.keys[i]
		}
	}
	if key == nil {
		return refuse("unknown passkey", nil)
	}
	if cred.Authenticator.CloneWarning {
		return refuse("signature counter did not rise: the passkey may have been copied",
			map[string]any{"passkey": shortID(key.ID), "stored_count": key.SignCount, "count": parsed.Response.AuthenticatorData.Counter})
	}
	ev := s.event(ctx, u.Actor(), callvault.ActionPasskeyUse, "user:"+u.ID,
		map[string]any{"passkey": shortID(key.ID), "name": key.Name, "address": addr})
	err = s.Passkeys.UsePasskey(ctx, key.ID, key.SignCount, cred.Authenticator.SignCount, now, ev)
	if callvault.IsKind(err, callvault.KindConflict) {
		return refuse("signature counter moved by another sign-in meanwhile", map[string]any{"passkey": shortID(key.ID)})
	}
	if err != nil {
		return nil, err
	}
	s.after(ctx)
	if u.FailedLogins != 0 {
		if u, err = s.update(ctx, u.ID, func(u *callvault.User) (*callvault.AuditEvent, error) {
			u.FailedLogins, u.LockedUntil = 0, nil
			return s.event(ctx, u.Actor(), callvault.ActionUserUpdate, "user:"+u.ID, map[string]any{"reason": "sign-in"}), nil
		}); err != nil {
			return nil, err
		}
	}
	return s.startSession(ctx, u, addr, false)
}
