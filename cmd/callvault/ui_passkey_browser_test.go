package main

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
)

// virtualAuthenticator gives the person's tab a DevTools virtual authenticator: CTAP2, built
// in, with resident keys and user verification that succeeds (a fingerprint always accepted).
func (p *person) virtualAuthenticator() webauthn.AuthenticatorID {
	p.b.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, time.Minute)
	defer cancel()
	if _, err := chromedp.Call(ctx, webauthn.Enable, webauthn.EnableParams{}); err != nil {
		p.b.t.Fatalf("WebAuthn.enable: %v", err)
	}
	res, err := chromedp.Call(ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{Protocol: webauthn.AuthenticatorProtocolCtap2,
			Transport: webauthn.AuthenticatorTransportInternal, HasResidentKey: true, HasUserVerification: true,
			IsUserVerified: true, AutomaticPresenceSimulation: true}})
	if err != nil {
		p.b.t.Fatalf("WebAuthn.addVirtualAuthenticator: %v", err)
	}
	return res.AuthenticatorID
}

// freePort returns a loopback port nothing listens on now.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// TestBrowserPasskeyFlow: a manager without a second factor is led to set one up; she adds a
// passkey on her account page (the DevTools virtual authenticator), signs out, signs in with
// her password and the passkey, and approves a staff request. A bogus signature and a copy of
// her passkey (its signature counter behind) are refused and audited; removing the passkey
// needs her password. The relying party is the configured public URL (localhost: browsers
// refuse an IP address as an RP ID).
func TestBrowserPasskeyFlow(t *testing.T) {
	b := startBrowser(t)
	port := freePort(t)
	base := "http://localhost:" + port
	v := startVault(t, "--http", "127.0.0.1:"+port, "--public-url", base)
	v.bootstrap(t, "dan")
	v.addUser(t, "mia", "manager")
	v.addUser(t, "sam", "staff")

	// One call, and a staff request for it (through the API).
	token := createTokenArgs(t, v.stores, "recorder", "pbx")
	wav, _ := makeWAV(t, audio.PCMFormat(8000, 2), 30)
	body, ct := multipartBody(part{name: "metadata", contentType: "application/json",
		body: metaJSON("pk-1", map[string]any{"started_at": "2026-11-20T10:00:00Z", "ended_at": nil, "extension": "201"})},
		part{name: "audio", filename: "call.wav", contentType: "audio/wav", body: wav})
	if r := upload(t, v.url, token, body, ct); r.status != 201 {
		t.Fatalf("upload: %d %s", r.status, r.raw)
	}
	sam := v.signIn(t, "sam")
	st, out := sam.call("POST", "/api/v1/access-requests", map[string]any{"purpose": "complaint",
		"reason": "The caller says she was promised a refund.", "extension": "201",
		"call_from": "2026-11-20T09:50:00Z", "call_to": "2026-11-20T10:30:00Z", "parties": []string{"Jane Doe"}})
	if st != 201 {
		t.Fatalf("request: %d %v", st, out)
	}
	reqID := out["id"].(string)

	// Without a second factor the manager is told to set one up, and cannot approve.
	mia := b.person()
	mia.open(base + "/login")
	mia.signIn("mia", "")
	mia.submit(`form[action="/notice"] button`)
	mia.wantText("Hello, mia", "set up a second factor")
	if st := mia.open(base + "/approvals/" + reqID); st != 403 {
		t.Fatalf("a manager without a second factor opened the approval: %d", st)
	}
	mia.wantText("Not allowed", "an authenticator app or a passkey")
	mia.submit(`a[href="/account"]`)
	mia.wantText("Passkeys", "counts as your second factor")
	mia.checkPage("account-no-factor")

	// She adds a passkey.
	auth := mia.virtualAuthenticator()
	mia.submit(`a[href="/account/passkeys"]`)
	mia.wantText("You have no passkeys yet", "Add a passkey")
	mia.checkPage("passkeys-empty")
	if st := mia.submit(`form[action="/account/passkeys/new"] button`); st != 400 {
		t.Fatalf("a passkey without a name: %d", st)
	}
	mia.wantText("Give the passkey a name")
	mia.do(chromedp.SendKeys(chromedp.CSS("#name"), "work laptop"))
	mia.submit(`form[action="/account/passkeys/new"] button`)
	mia.wantText("Create the passkey", "work laptop")
	mia.checkPage("passkey-new")
	if st := mia.submit(`#create-passkey`); st != 200 {
		t.Fatalf("creating the passkey: %d\n%s", st, mia.text())
	}
	mia.wantText("The passkey is added", "work laptop", "not used yet")
	mia.checkPage("passkeys")
	creds, err := chromedp.Call(mia.ctx, webauthn.GetCredentials, webauthn.GetCredentialsParams{AuthenticatorID: auth})
	if err != nil || len(creds.Credentials) != 1 {
		t.Fatalf("the authenticator holds %v (%v), want one credential", creds.Credentials, err)
	}
	cred := creds.Credentials[0]
	if cred.RpID != "localhost" {
		t.Errorf("the passkey is for RP %q, want the public URL's host", cred.RpID)
	}

	// Signed out, she signs in with her password and then the passkey.
	mia.submit(`form[action="/logout"] button`)
	mia.signIn("mia", "")
	mia.wantText("Your password was right", "Use your passkey")
	if n := eval[int](mia, `document.querySelectorAll("#totp").length`); n != 0 {
		t.Errorf("the passkey step asks for an app code she does not have")
	}
	mia.checkPage("login-passkey")
	mia.submit(`#use-passkey`)
	mia.wantText("Hello, mia", "Waiting for your decision")

	// And approves the staff request.
	mia.open(base + "/approvals")
	mia.submit(`a.button[href^="/approvals/"]`)
	mia.wantText("Matching recordings", "Jane Doe")
	mia.do(chromedp.SendKeys(chromedp.CSS("#statement"), "Approved for the refund complaint of 20 November."))
	if st := mia.submit(`button[value=approve]`); st != 200 {
		t.Fatalf("approve: %d\n%s", st, mia.text())
	}
	mia.wantText("Your decision and statement are recorded")
	if st, out := sam.call("GET", "/api/v1/access-requests/"+reqID, nil); st != 200 || out["status"] != "approved" {
		t.Fatalf("the request after the approval: %d %v", st, out)
	}

	// A bogus signature is refused.
	mia.submit(`form[action="/logout"] button`)
	if _, err := chromedp.Call(mia.ctx, webauthn.SetResponseOverrideBits, webauthn.SetResponseOverrideBitsParams{
		AuthenticatorID: auth, IsBogusSignature: new(true)}); err != nil {
		t.Fatal(err)
	}
	mia.signIn("mia", "")
	if st := mia.submit(`#use-passkey`); st != 401 {
		t.Fatalf("a bogus signature: %d\n%s", st, mia.text())
	}
	mia.wantText("The passkey was not accepted")
	if _, err := chromedp.Call(mia.ctx, webauthn.SetResponseOverrideBits, webauthn.SetResponseOverrideBitsParams{AuthenticatorID: auth}); err != nil {
		t.Fatal(err)
	}

	// A copy of her passkey, its counter behind the vault's, is refused as a clone.
	thief := b.person()
	stolen := thief.virtualAuthenticator()
	// The credential as DevTools gave it, counter reset, without the fields an authenticator
	// without CMTG refuses (cdproto always sends generateCmtgKeyOnNextOperation).
	type copied struct {
		CredentialID         []byte `json:"credentialId"`
		IsResidentCredential bool   `json:"isResidentCredential"`
		RpID                 string `json:"rpId"`
		PrivateKey           []byte `json:"privateKey"`
		UserHandle           []byte `json:"userHandle"`
		SignCount            int    `json:"signCount"`
	}
	type addParams struct {
		AuthenticatorID webauthn.AuthenticatorID `json:"authenticatorId"`
		Credential      copied                   `json:"credential"`
	}
	addCopy := cdp.Command[addParams, cdp.Empty]{Method: webauthn.CommandAddCredential}
	clone := copied{CredentialID: cred.CredentialID, IsResidentCredential: cred.IsResidentCredential, RpID: cred.RpID,
		PrivateKey: cred.PrivateKey, UserHandle: cred.UserHandle, SignCount: 0}
	if _, err := chromedp.Call(thief.ctx, addCopy, addParams{stolen, clone}); err != nil {
		t.Fatalf("WebAuthn.addCredential: %v", err)
	}
	thief.open(base + "/login")
	thief.signIn("mia", "")
	if st := thief.submit(`#use-passkey`); st != 401 {
		t.Fatalf("a cloned passkey: %d\n%s", st, thief.text())
	}
	thief.wantText("The passkey was not accepted")
	refused := map[string]bool{}
	for _, ev := range v.events(t) {
		if ev.Action == callvault.ActionPasskeyRefused {
			switch {
			case strings.Contains(ev.Detail, "did not verify"):
				refused["bogus"] = true
			case strings.Contains(ev.Detail, "counter did not rise"):
				refused["clone"] = true
			}
		}
	}
	if !refused["bogus"] || !refused["clone"] {
		t.Errorf("refusals audited: %v; want the bogus signature and the clone", refused)
	}

	// The real passkey still works; removing it needs the password.
	mia.signIn("mia", "")
	mia.submit(`#use-passkey`)
	mia.wantText("Hello, mia")
	mia.open(base + "/account/passkeys")
	mia.wantText("work laptop", "last used")
	mia.do(chromedp.SendKeys(chromedp.CSS(`.passkey-remove input[type=password]`), "not my password"))
	if st := mia.submit(`.passkey-remove button`); st != 400 {
		t.Fatalf("removing with a wrong password: %d", st)
	}
	mia.wantText("The password is wrong", "work laptop")
	mia.checkPage("passkeys-remove-error")
	mia.do(chromedp.SendKeys(chromedp.CSS(`.passkey-remove input[type=password]`), pw))
	mia.submit(`.passkey-remove button`)
	mia.wantText("The passkey is removed", "You have no passkeys yet")

	evs := v.events(t)
	for action, want := range map[string]int{callvault.ActionPasskeyRegister: 1, callvault.ActionPasskeyUse: 2,
		callvault.ActionPasskeyRefused: 2, callvault.ActionPasskeyRemove: 1} {
		if n := countActions(evs, action); n != want {
			t.Errorf("%d %s events, want %d", n, action, want)
		}
	}
}
