package identity

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/callvault/callvault"
)

// Passkeys (WebAuthn) are a second factor directors, the DPO and managers may use instead of,
// or beside, an authenticator app. The relying party is the vault's public URL: its host is the
// RP ID and its scheme and host the only origin accepted, so a passkey made for the vault
// cannot be used on any other site. A vault without a public URL (or with an IP address for a
// host, which browsers refuse as an RP ID) offers no passkeys.

// ceremonyTTL is how long a passkey ceremony (its challenge) may take.
const ceremonyTTL = 5 * time.Minute

// maxCeremonies bounds the challenges kept in memory; beyond it new ceremonies are refused
// until old ones expire.
const maxCeremonies = 10000

var errPasskeysOff = callvault.Errorf(callvault.KindConflict,
	"passkeys need the vault's public address: set public_url to the https address people use, with a host name")

// PasskeyCeremony is a started registration or sign-in: the options for the browser's
// navigator.credentials call, and the ticket that names the challenge kept here.
type PasskeyCeremony struct {
	Ticket  string
	Options json.RawMessage
}

// ceremony is the server side of a PasskeyCeremony: single use, and only until it expires.
type ceremony struct {
	register bool
	userID   string
	name     string // the passkey's name, at registration
	data     webauthn.SessionData
	expires  time.Time
}

// ceremonies keeps challenges in memory, keyed by the hash of their ticket. A challenge lives
// in the process that issued it: several nodes behind one address need sticky sessions for
// passkeys (a ticket unknown to a node is refused, and the person signs in again).
type ceremonies struct {
	mu sync.Mutex
	m  map[string]ceremony
}

func (c *ceremonies) put(cer ceremony, now time.Time) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]ceremony{}
	}
	for k, v := range c.m {
		if !now.Before(v.expires) {
			delete(c.m, k)
		}
	}
	if len(c.m) >= maxCeremonies {
		return "", callvault.Errorf(callvault.KindRateLimited, "too many passkey requests at once; try again in a few minutes")
	}
	ticket, hash := newSecret("cvp_")
	c.m[hash] = cer
	return ticket, nil
}

// take removes and returns the ceremony of ticket if it is of the kind wanted and unexpired.
func (c *ceremonies) take(ticket string, register bool, now time.Time) (ceremony, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	h := hashSecret(ticket)
	cer, ok := c.m[h]
	delete(c.m, h)
	return cer, ok && cer.register == register && now.Before(cer.expires)
}

// relyingParty returns the WebAuthn relying party of PublicURL, or errPasskeysOff.
func (s *Service) relyingParty() (*webauthn.WebAuthn, error) {
	s.rpOnce.Do(func() { s.rp, s.rpErr = newRelyingParty(s.PublicURL) })
	if s.Passkeys == nil {
		return nil, errPasskeysOff
	}
	return s.rp, s.rpErr
}

func newRelyingParty(public string) (*webauthn.WebAuthn, error) {
	u, err := url.Parse(public)
	if public == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Hostname() == "" || net.ParseIP(u.Hostname()) != nil {
		return nil, errPasskeysOff
	}
	rp, err := webauthn.New(&webauthn.Config{
		RPID: u.Hostname(), RPDisplayName: "callvault", RPOrigins: []string{u.Scheme + "://" + u.Host},
		AttestationPreference: protocol.PreferNoAttestation,
		AuthenticatorSelection: protocol.AuthenticatorSelection{ResidentKey: protocol.ResidentKeyRequirementPreferred,
			UserVerification: protocol.VerificationPreferred},
	})
	if err != nil {
		return nil, callvault.WrapError(callvault.KindConflict, err, "passkeys cannot use public_url "+public)
	}
	return rp, nil
}

// PasskeysAvailable reports whether people can register and use passkeys here.
func (s *Service) PasskeysAvailable() bool {
	_, err := s.relyingParty()
	return err == nil
}

// passkeyUser is a user and their passkeys as the WebAuthn library sees them. The user handle
// is the user's ID: random, and no personal data.
type passkeyUser struct {
	u     *callvault.User
	keys  []*callvault.Passkey
	creds []webauthn.Credential
}

func (p *passkeyUser) WebAuthnID() []byte                         { return []byte(p.u.ID) }
func (p *passkeyUser) WebAuthnName() string                       { return p.u.Name }
func (p *passkeyUser) WebAuthnDisplayName() string                { return p.u.Name }
func (p *passkeyUser) WebAuthnCredentials() []webauthn.Credential { return p.creds }

// loadPasskeyUser reads the user's passkeys. Each record's counter is the stored column, which
// every use moves, not the copy inside the record made at registration.
func (s *Service) loadPasskeyUser(ctx context.Context, u *callvault.User) (*passkeyUser, error) {
	keys, err := s.Passkeys.Passkeys(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	pu := &passkeyUser{u: u, keys: keys}
	for _, k := range keys {
		var c webauthn.Credential
		if err := json.Unmarshal(k.Credential, &c); err != nil {
			return nil, callvault.WrapError(callvault.KindInternal, err, "a stored passkey cannot be read")
		}
		c.Authenticator.SignCount = k.SignCount
		pu.creds = append(pu.creds, c)
	}
	return pu, nil
}

// hasPasskey reports whether the user has registered a passkey (false when passkeys are off).
func (s *Service) hasPasskey(ctx context.Context, userID string) (bool, error) {
	if s.Passkeys == nil {
		return false, nil
	}
	keys, err := s.Passkeys.Passkeys(ctx, userID)
	return len(keys) > 0, err
}

// UserPasskeys returns the principal's passkeys, oldest first.
func (s *Service) UserPasskeys(ctx context.Context, p *callvault.Principal) ([]*callvault.Passkey, error) {
	if s.Passkeys == nil {
		return nil, nil
	}
	return s.Passkeys.Passkeys(ctx, p.ID)
}

// checkPasskeyName returns the trimmed name, or a KindInvalid error about field "name".
func checkPasskeyName(name string) (string, error) {
	name = strings.TrimSpace(name)
	var fe callvault.FieldErrors
	switch {
	case name == "":
		fe.Add("name", "give the passkey a name you will recognise, such as \"work laptop\"")
	case utf8.RuneCountInString(name) > callvault.MaxPasskeyNameLength || !utf8.ValidString(name):
		fe.Add("name", "the name is too long; keep it under 60 characters")
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		fe.Add("name", "the name cannot contain control characters")
	}
	return name, fe.Err()
}

// BeginPasskeyRegistration starts registering a passkey named name for the principal. The
// options ask for a discoverable credential with user verification preferred and exclude the
// person's existing passkeys (one authenticator is registered once). Errors: KindInvalid for a
// bad name; KindConflict when passkeys are off.
func (s *Service) BeginPasskeyRegistration(ctx context.Context, p *callvault.Principal, name string) (*PasskeyCeremony, error) {
	rp, err := s.relyingParty()
	if err != nil {
		return nil, err
	}
	name, err = checkPasskeyName(name)
	if err != nil {
		return nil, err
	}
	u, err := s.Store.User(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	pu, err := s.loadPasskeyUser(ctx, u)
	if err != nil {
		return nil, err
	}
	creation, data, err := rp.BeginRegistration(pu, webauthn.WithExclusions(webauthn.Credentials(pu.creds).CredentialDescriptors()))
	if err != nil {
		return nil, callvault.WrapError(callvault.KindInternal, err, "cannot start a passkey registration")
	}
	return s.startCeremony(ceremony{register: true, userID: u.ID, name: name, data: *data}, creation)
}

func (s *Service) startCeremony(cer ceremony, options any) (*PasskeyCeremony, error) {
	cer.expires = s.now().Add(ceremonyTTL)
	opts, err := json.Marshal(options)
	if err != nil {
		return nil, callvault.WrapError(callvault.KindInternal, err, "cannot encode the passkey options")
	}
	ticket, err := s.ceremonies.put(cer, s.now())
	if err != nil {
		return nil, err
	}
	return &PasskeyCeremony{Ticket: ticket, Options: opts}, nil
}

var errCeremonyGone = callvault.Errorf(callvault.KindInvalid, "the passkey request has expired or was used already; start again")

// FinishPasskeyRegistration checks the browser's answer (the credential JSON) to the
// registration ticket started and stores the passkey (audited). Errors: KindInvalid if the
// ticket is unknown, expired, used or another person's, or the answer does not verify;
// KindConflict if the authenticator is registered already.
func (s *Service) FinishPasskeyRegistration(ctx context.Context, p *callvault.Principal, ticket string, response []byte) (*callvault.Passkey, error) {
	rp, err := s.relyingParty()
	if err != nil {
		return nil, err
	}
	cer, ok := s.ceremonies.take(ticket, true, s.now())
	if !ok || cer.userID != p.ID {
		return nil, errCeremonyGone
	}
	u, err := s.Store.User(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	pu, err := s.loadPasskeyUser(ctx, u)
	if err != nil {
		return nil, err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(response)
	if err != nil {
		return nil, callvault.WrapError(callvault.KindInvalid, err, "the browser's passkey answer cannot be read; try again")
	}
	cred, err := rp.CreateCredential(pu, cer.data, parsed)
	if err != nil {
		return nil, callvault.WrapError(callvault.KindInvalid, err, "the passkey could not be verified; try again")
	}
	record, err := json.Marshal(cred)
	if err != nil {
		return nil, callvault.WrapError(callvault.KindInternal, err, "cannot encode the passkey")
	}
	now := s.now()
	k := &callvault.Passkey{ID: base64.RawURLEncoding.EncodeToString(cred.ID), UserID: u.ID, Name: cer.name, Credential: record,
		SignCount: cred.Authenticator.SignCount, CreatedAt: now}
	ev := s.event(ctx, u.Actor(), callvault.ActionPasskeyRegister, "user:"+u.ID, map[string]any{"passkey": shortID(k.ID), "name": k.Name})
	if err := s.Passkeys.CreatePasskey(ctx, k, ev); err != nil {
		if callvault.IsKind(err, callvault.KindConflict) {
			return nil, callvault.Errorf(callvault.KindConflict, "this passkey is registered already")
		}
		return nil, err
	}
	s.after(ctx)
	return k, nil
}

// shortID names a passkey in audit events: enough of its ID to tell one from another.
func shortID(id string) string {
	if len(id) > 16 {
		return id[:16]
	}
	return id
}

// RemovePasskey removes the principal's passkey id after checking their password again (a
// session left open is not enough to take a factor away). A wrong password is audited and
// counted against the address like a failed sign-in. Errors: KindInvalid (field "password")
// for a wrong password; KindNotFound if the person has no such passkey; KindRateLimited when
// the address has failed too often.
func (s *Service) RemovePasskey(ctx context.Context, p *callvault.Principal, id, password, addr string) error {
	if s.Passkeys == nil {
		return errPasskeysOff
	}
	set, now := s.settings(), s.now()
	if s.throttle.blocked(addr, now, set.AddressFailures, set.AddressWindow) {
		return callvault.Errorf(callvault.KindRateLimited, "too many failed sign-ins from this address; wait %s", set.AddressWindow)
	}
	u, err := s.Store.User(ctx, p.ID)
	if err != nil {
		return err
	}
	if password == "" || len(password) > MaxPasswordLength || !s.checkPassword(u.PasswordHash, password) {
		s.throttle.fail(addr, now, set.AddressWindow)
		err := s.audit(ctx, s.event(ctx, p.Actor, callvault.ActionLoginFailed, "user:"+u.ID,
			map[string]any{"reason": "wrong password to remove a passkey", "address": addr}))
		var fe callvault.FieldErrors
		fe.Add("password", "the password is wrong")
		if err != nil {
			return err
		}
		return fe.Err()
	}
	keys, err := s.Passkeys.Passkeys(ctx, u.ID)
	if err != nil {
		return err
	}
	name := ""
	for _, k := range keys {
		if k.ID == id {
			name = k.Name
		}
	}
	ev := s.event(ctx, p.Actor, callvault.ActionPasskeyRemove, "user:"+u.ID, map[string]any{"passkey": shortID(id), "name": name})
	if err := s.Passkeys.DeletePasskey(ctx, u.ID, id, ev); err != nil {
		return err
	}
	s.after(ctx)
	return nil
}

// HasTOTP reports whether the principal has a confirmed authenticator app (their account page
// tells it apart from passkeys, which Principal.SecondFactor also counts).
func (s *Service) HasTOTP(ctx context.Context, p *callvault.Principal) (bool, error) {
	u, err := s.Store.User(ctx, p.ID)
	if err != nil {
		return false, err
	}
	return u.TOTPConfirmedAt != nil, nil
}
