package identity_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/pquerna/otp/totp"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/identity"
)

const vaultURL = "https://vault.example.com"

// softKey is a software authenticator: one P-256 passkey with a signature counter, answering
// the options a ceremony gives as a browser would for origin.
type softKey struct {
	t       *testing.T
	key     *ecdsa.PrivateKey
	id      []byte
	counter uint32
	origin  string
}

func newSoftKey(t *testing.T) *softKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id := make([]byte, 32)
	rand.Read(id)
	return &softKey{t: t, key: k, id: id, origin: vaultURL}
}

var b64 = base64.RawURLEncoding

func (k *softKey) clientData(typ string, options json.RawMessage) []byte {
	var o struct {
		PublicKey struct {
			Challenge string `json:"challenge"`
		} `json:"publicKey"`
	}
	if err := json.Unmarshal(options, &o); err != nil || o.PublicKey.Challenge == "" {
		k.t.Fatalf("options %s: %v", options, err)
	}
	cd, _ := json.Marshal(map[string]any{"type": typ, "challenge": o.PublicKey.Challenge, "origin": k.origin, "crossOrigin": false})
	return cd
}

func (k *softKey) authData(flags byte, attested []byte) []byte {
	rp := sha256.Sum256([]byte("vault.example.com"))
	ad := append(rp[:], flags)
	ad = binary.BigEndian.AppendUint32(ad, k.counter)
	return append(ad, attested...)
}

// create answers a registration's options ("none" attestation).
func (k *softKey) create(options json.RawMessage) []byte {
	cose, _ := cbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: k.key.X.FillBytes(make([]byte, 32)), -3: k.key.Y.FillBytes(make([]byte, 32))})
	attested := append(make([]byte, 16), byte(len(k.id)>>8), byte(len(k.id)))
	attested = append(append(attested, k.id...), cose...)
	att, _ := cbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": k.authData(0x45, attested)})
	out, _ := json.Marshal(map[string]any{"id": b64.EncodeToString(k.id), "rawId": b64.EncodeToString(k.id), "type": "public-key",
		"response": map[string]any{"clientDataJSON": b64.EncodeToString(k.clientData("webauthn.create", options)),
			"attestationObject": b64.EncodeToString(att)}, "clientExtensionResults": map[string]any{}})
	return out
}

// get answers a sign-in's options, the counter one higher than last time.
func (k *softKey) get(options json.RawMessage) []byte {
	k.counter++
	ad := k.authData(0x05, nil)
	cd := k.clientData("webauthn.get", options)
	h := sha256.Sum256(cd)
	digest := sha256.Sum256(append(append([]byte(nil), ad...), h[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, k.key, digest[:])
	if err != nil {
		k.t.Fatal(err)
	}
	out, _ := json.Marshal(map[string]any{"id": b64.EncodeToString(k.id), "rawId": b64.EncodeToString(k.id), "type": "public-key",
		"response": map[string]any{"clientDataJSON": b64.EncodeToString(cd), "authenticatorData": b64.EncodeToString(ad),
			"signature": b64.EncodeToString(sig)}, "clientExtensionResults": map[string]any{}})
	return out
}

// passkeyStep signs in with the password and returns the passkey ceremony the refusal carries.
func passkeyStep(t *testing.T, s *identity.Service, name string) *identity.PasskeyCeremony {
	t.Helper()
	_, err := s.Login(context.Background(), name, goodPassword, "", "10.0.0.1")
	var need *identity.NeedSecondFactor
	if !errors.Is(err, identity.ErrSecondFactor) || !errors.As(err, &need) || need.Passkey == nil {
		t.Fatalf("sign-in with a passkey enrolled: %v, want the passkey step", err)
	}
	if need.TOTP {
		t.Error("the passkey step offers an app the person has not set up")
	}
	if !callvault.IsKind(err, callvault.KindUnauthenticated) || !strings.Contains(callvault.ErrorMessage(err), "passkey") {
		t.Errorf("an API client signing in as a passkey-only person is told %q (%s)", callvault.ErrorMessage(err), callvault.ErrorKind(err))
	}
	return need.Passkey
}

// TestPasskeys: a manager registers a passkey (her second factor from then on), signs in with
// password and passkey; a used or expired ticket, another origin, a bad signature and a
// counter that does not rise (a clone) are refused and audited; removal needs the password.
func TestPasskeys(t *testing.T) {
	ctx := context.Background()
	s, db, clk := newService(t)
	s.Passkeys, s.PublicURL = db, vaultURL
	addUser(t, s, "mia", callvault.RoleManager)
	in, err := s.Login(ctx, "mia", goodPassword, "", "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	p, _ := s.Authenticate(ctx, in.Secret)
	if p.SecondFactor {
		t.Fatal("a second factor before any was set up")
	}
	if _, err := s.BeginPasskeyRegistration(ctx, p, "  "); len(callvault.FieldErrorsOf(err)) != 1 || callvault.FieldErrorsOf(err)[0].Field != "name" {
		t.Fatalf("a passkey without a name: %v", err)
	}
	key := newSoftKey(t)
	reg, err := s.BeginPasskeyRegistration(ctx, p, "work laptop")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(reg.Options), `"id":"vault.example.com"`) {
		t.Errorf("the registration's relying party is not the public URL's host: %s", reg.Options)
	}
	answer := key.create(reg.Options)
	if _, err := s.FinishPasskeyRegistration(ctx, p, reg.Ticket, answer); err != nil {
		t.Fatalf("registration: %v", err)
	}
	if _, err := s.FinishPasskeyRegistration(ctx, p, reg.Ticket, answer); !callvault.IsKind(err, callvault.KindInvalid) {
		t.Errorf("a registration ticket used twice: %v", err)
	}
	if p, _ = s.Authenticate(ctx, in.Secret); !p.SecondFactor {
		t.Error("a passkey does not count as the second factor")
	}

	// Signing in: the password, then the passkey.
	if _, err := s.Login(ctx, "mia", "wrong password!!", "", "10.0.0.1"); errors.Is(err, identity.ErrSecondFactor) {
		t.Fatal("a wrong password reached the passkey step")
	}
	step := passkeyStep(t, s, "mia")
	if _, err := s.FinishPasskeyLogin(ctx, step.Ticket, key.get(step.Options), "10.0.0.1"); err != nil {
		t.Fatalf("sign-in with the passkey: %v", err)
	}

	refusals := []struct {
		name   string
		answer func(options json.RawMessage) []byte
		before func()
	}{
		{"the same answer again (a replayed counter: a clone)", func(o json.RawMessage) []byte { key.counter--; return key.get(o) }, nil},
		{"another site's origin", func(o json.RawMessage) []byte {
			key.origin = "https://vault.example.com.evil.test"
			defer func() { key.origin = vaultURL }()
			return key.get(o)
		}, nil},
		{"a bad signature", func(o json.RawMessage) []byte {
			a := key.get(o)
			return []byte(strings.Replace(string(a), `"signature":"M`, `"signature":"N`, 1))
		}, nil},
		{"an expired ticket", key.get, func() { clk.add(6 * time.Minute) }},
		{"garbage", func(json.RawMessage) []byte { return []byte(`{"id":`) }, nil},
	}
	for _, r := range refusals {
		step := passkeyStep(t, s, "mia")
		if r.before != nil {
			r.before()
		}
		_, err := s.FinishPasskeyLogin(ctx, step.Ticket, r.answer(step.Options), "10.0.0.1")
		if !callvault.IsKind(err, callvault.KindUnauthenticated) {
			t.Errorf("%s: %v, want refused", r.name, err)
		}
	}
	step = passkeyStep(t, s, "mia")
	if _, err := s.FinishPasskeyLogin(ctx, step.Ticket, key.get(step.Options), "10.0.0.1"); err != nil {
		t.Fatalf("the real passkey after the refusals: %v", err)
	}
	lastGood := key.counter
	if _, err := s.FinishPasskeyLogin(ctx, step.Ticket, key.get(step.Options), "10.0.0.1"); !callvault.IsKind(err, callvault.KindUnauthenticated) {
		t.Errorf("a sign-in ticket used twice: %v", err)
	}
	evs := events(t, db)
	clones := 0
	for _, e := range evs {
		if e.Action == callvault.ActionPasskeyRefused && strings.Contains(e.Detail, "counter did not rise") {
			clones++
		}
	}
	// The expired ticket is refused before any check, so four refusals reach the audit log.
	if n := count(evs, callvault.ActionPasskeyRefused); n != 4 || clones != 1 {
		t.Errorf("%d refusals audited (%d as clones), want 4 (1)", n, clones)
	}
	if n := count(evs, callvault.ActionPasskeyUse); n != 2 {
		t.Errorf("%d uses audited, want 2", n)
	}

	// Removal needs the password.
	keys, _ := s.UserPasskeys(ctx, p)
	if len(keys) != 1 || keys[0].Name != "work laptop" || keys[0].SignCount != lastGood {
		t.Fatalf("passkeys %+v, want the laptop at counter %d", keys[0], lastGood)
	}
	if err := s.RemovePasskey(ctx, p, keys[0].ID, "not the password", "10.0.0.1"); !callvault.IsKind(err, callvault.KindInvalid) {
		t.Fatalf("removal with a wrong password: %v", err)
	}
	if err := s.RemovePasskey(ctx, p, keys[0].ID, goodPassword, "10.0.0.1"); err != nil {
		t.Fatalf("removal: %v", err)
	}
	if p, _ = s.Authenticate(ctx, in.Secret); p.SecondFactor {
		t.Error("a second factor after the only passkey was removed")
	}
	if n := count(events(t, db), callvault.ActionPasskeyRemove); n != 1 {
		t.Errorf("%d removals audited, want 1", n)
	}
}

// TestPasskeysNeedAPublicHostName: without a public URL, or with an IP address (which browsers
// refuse as a relying party), passkeys are not offered and sign-in is unchanged.
func TestPasskeysNeedAPublicHostName(t *testing.T) {
	for _, public := range []string{"", "http://192.0.2.1:8080", "ftp://vault.example.com"} {
		s, db, _ := newService(t)
		s.Passkeys, s.PublicURL = db, public
		if s.PasskeysAvailable() {
			t.Errorf("public_url %q: passkeys offered", public)
		}
		addUser(t, s, "mia", callvault.RoleManager)
		if _, err := s.BeginPasskeyRegistration(context.Background(), &callvault.Principal{ID: "x"}, "laptop"); !callvault.IsKind(err, callvault.KindConflict) {
			t.Errorf("public_url %q: registration %v, want KindConflict", public, err)
		}
		if _, err := s.Login(context.Background(), "mia", goodPassword, "", "a"); err != nil {
			t.Errorf("public_url %q: sign-in %v", public, err)
		}
	}
}

// TestPasskeyBesideTOTP: with both an authenticator app and a passkey, the password step
// offers both; the app's code and a recovery code still sign in; and an API client (which
// cannot use a passkey) is told the same as before.
func TestPasskeyBesideTOTP(t *testing.T) {
	ctx := context.Background()
	s, db, clk := newService(t)
	s.Passkeys, s.PublicURL = db, vaultURL
	addUser(t, s, "dan", callvault.RoleDirector)
	in, err := s.Login(ctx, "dan", goodPassword, "", "a")
	if err != nil {
		t.Fatal(err)
	}
	p, _ := s.Authenticate(ctx, in.Secret)
	en, err := s.BeginTOTP(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := totp.GenerateCode(en.Secret, clk.now())
	recovery, err := s.ConfirmTOTP(ctx, p, code)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := s.BeginPasskeyRegistration(ctx, p, "security key")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.FinishPasskeyRegistration(ctx, p, reg.Ticket, newSoftKey(t).create(reg.Options)); err != nil {
		t.Fatal(err)
	}

	_, err = s.Login(ctx, "dan", goodPassword, "", "a")
	var need *identity.NeedSecondFactor
	if !errors.As(err, &need) || !need.TOTP || need.Passkey == nil || !callvault.IsKind(err, callvault.KindUnauthenticated) ||
		!strings.Contains(callvault.ErrorMessage(err), "authenticator app") {
		t.Fatalf("the password step with both factors: %v (%+v)", err, need)
	}
	clk.add(30 * time.Second)
	code, _ = totp.GenerateCode(en.Secret, clk.now())
	if _, err := s.Login(ctx, "dan", goodPassword, code, "a"); err != nil {
		t.Errorf("the app's code beside a passkey: %v", err)
	}
	if _, err := s.Login(ctx, "dan", goodPassword, recovery[0], "a"); err != nil {
		t.Errorf("a recovery code beside a passkey: %v", err)
	}
}
