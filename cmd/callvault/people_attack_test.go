package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
)

// TestAttacks tries, as a signed-in attacker on loopback would: a cross-site POST carrying the
// victim's cookie, a session cookie planted before sign-in, a TOTP code used twice, suffix and
// overlapping Range requests, listing recordings in general, a director giving themselves the
// dpo role, a disabled user's open session and a password change ending the other sessions.
func TestAttacks(t *testing.T) {
	v := startVault(t)
	v.bootstrap(t, "dan")
	v.addUser(t, "sam", "staff")
	v.addUser(t, "mia", "manager")
	dan := v.signIn(t, "dan")
	dan.enrolTOTP()
	sam, mia := v.signIn(t, "sam"), v.signIn(t, "mia")
	mia.enrolTOTP()

	token := createTokenArgs(t, v.stores, "recorder", "pbx")
	wav, _ := makeWAV(t, audio.PCMFormat(8000, 2), 3)
	body, ct := multipartBody(part{name: "metadata", contentType: "application/json",
		body: metaJSON("a", map[string]any{"started_at": "2026-11-20T10:00:00Z", "ended_at": nil, "extension": "201"})},
		part{name: "audio", filename: "call.wav", contentType: "audio/wav", body: wav})
	up := upload(t, v.url, token, body, ct)
	if up.status != 201 {
		t.Fatalf("upload: %d", up.status)
	}
	rec := up.body["id"].(string)
	st, out := sam.call("POST", "/api/v1/access-requests", map[string]any{"purpose": "complaint", "reason": "the customer complained about the call",
		"extension": "201", "call_time": "2026-11-20T10:00:00Z"})
	if st != 201 {
		t.Fatalf("request: %d %v", st, out)
	}
	req := out["id"].(string)

	// Cross-site: the manager's own cookie rides along, the approval is refused and nothing changes.
	resp := mia.do("POST", "/api/v1/access-requests/"+req+"/approve", map[string]any{"statement": "approved from another site"},
		http.Header{"Origin": {"https://evil.example"}})
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("cross-origin approval with a cookie: %d", resp.StatusCode)
	}
	if _, out := sam.call("GET", "/api/v1/access-requests/"+req, nil); out["status"] != "pending" {
		t.Errorf("after the cross-site POST the request is %v", out["status"])
	}

	// A planted cookie is replaced at sign-in and never becomes a session.
	eve := v.client(t)
	planted := callvault.SessionPrefix + strings.Repeat("A", 43)
	u, _ := url.Parse(v.url)
	eve.http.Jar.SetCookies(u, []*http.Cookie{{Name: "callvault_session", Value: planted, Path: "/"}})
	eve.login("sam")
	for _, c := range eve.http.Jar.Cookies(u) {
		if c.Name == "callvault_session" && c.Value == planted {
			t.Error("sign-in kept the planted session cookie")
		}
	}
	fixed := v.client(t)
	fixed.http.Jar.SetCookies(u, []*http.Cookie{{Name: "callvault_session", Value: planted, Path: "/"}})
	if st, _ := fixed.call("GET", "/api/v1/me", nil); st != 401 {
		t.Errorf("the planted cookie: %d, want 401", st)
	}

	// A TOTP code signs in once.
	v.clock.add(30 * time.Second)
	code, _ := totp.GenerateCode(mia.totp, v.clock.now())
	for i, want := range []int{200, 401} {
		if st, out := v.client(t).call("POST", "/api/v1/login", map[string]any{"username": "mia", "password": pw, "totp": code}); st != want {
			t.Errorf("sign-in %d with one code: %d %v, want %d", i, st, out, want)
		}
	}

	st, out = mia.call("POST", "/api/v1/access-requests/"+req+"/approve", map[string]any{"statement": "approved for the complaint"})
	if st != 200 {
		t.Fatalf("approve: %d %v", st, out)
	}
	// Suffix and overlapping ranges: the bytes of the original, never more than asked.
	for rng, want := range map[string][]byte{"bytes=-1": wav[len(wav)-1:], "bytes=-100": wav[len(wav)-100:], "bytes=10-": wav[10:]} {
		resp := sam.do("GET", "/api/v1/recordings/"+rec+"/audio", nil, http.Header{"Range": {rng}})
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 206 || !bytes.Equal(got, want) {
			t.Errorf("%s: %d, %d bytes, equal %t", rng, resp.StatusCode, len(got), bytes.Equal(got, want))
		}
	}
	resp = sam.do("GET", "/api/v1/recordings/"+rec+"/audio", nil, http.Header{"Range": {"bytes=0-99,50-149,0-99"}})
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 206 || len(got) > len(wav) || !strings.HasPrefix(resp.Header.Get("Content-Type"), "multipart/byteranges") {
		t.Errorf("overlapping ranges: %d %s, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(got))
	}
	resp = sam.do("GET", "/api/v1/recordings/"+rec+"/audio", nil, http.Header{"Range": {"bytes=999999999-"}})
	resp.Body.Close()
	if resp.StatusCode != 416 {
		t.Errorf("a range past the end: %d, want 416", resp.StatusCode)
	}

	// No route lists or searches recordings, whatever the query.
	for _, c := range []*client{sam, mia, dan} {
		for _, path := range []string{"/api/v1/recordings", "/api/v1/recordings/", "/api/v1/recordings?extension=201", "/api/v1/recordings/search"} {
			if st, _ := c.call("GET", path, nil); st != 404 && st != 405 {
				t.Errorf("%s GET %s: %d", c.name, path, st)
			}
		}
	}

	// A director cannot make themselves the DPO (and so decide disciplinary requests) or disable
	// themselves.
	_, me := dan.call("GET", "/api/v1/me", nil)
	if st, out := dan.call("POST", "/api/v1/users/"+me["id"].(string)+"/roles", map[string]any{"roles": []string{"director", "dpo"}}); st != 403 {
		t.Errorf("a director giving themselves the dpo role: %d %v", st, out)
	}
	if st, out := dan.call("POST", "/api/v1/users/"+me["id"].(string)+"/disable", nil); st != 403 {
		t.Errorf("a director disabling themselves: %d %v", st, out)
	}
	if _, me := dan.call("GET", "/api/v1/me", nil); fmt.Sprint(me["roles"]) != "[director]" {
		t.Errorf("the director's roles are now %v", me["roles"])
	}

	// A password change ends the other sessions; disabling a user ends theirs mid-listening.
	other := v.client(t)
	other.login("sam")
	if st, out := sam.call("POST", "/api/v1/me/password", map[string]any{"current": pw, "new": pw + "-changed-2"}); st != 200 {
		t.Fatalf("change password: %d %v", st, out)
	}
	if st, _ := other.call("GET", "/api/v1/me", nil); st != 401 {
		t.Errorf("another session after the password changed: %d", st)
	}
	sam = v.client(t)
	sam.name = "sam"
	if st, out := sam.call("POST", "/api/v1/login", map[string]any{"username": "sam", "password": pw + "-changed-2"}); st != 200 {
		t.Fatalf("sign in with the new password: %d %v", st, out)
	}
	if st, _ := sam.call("GET", "/api/v1/recordings/"+rec+"/audio", nil); st != 200 {
		t.Fatalf("listening before the user is disabled: %d", st)
	}
	if code, _, e := cli(t, append([]string{"users", "disable", "sam"}, v.stores...)...); code != 0 {
		t.Fatalf("users disable: %s", e)
	}
	if st, _ := sam.call("GET", "/api/v1/recordings/"+rec+"/audio", nil); st != 401 {
		t.Errorf("a disabled user's session listening: %d, want 401", st)
	}
}
