package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestUsersAndNotice: `users add` without --password-stdin prints a one-time link that sets the
// password; a new user may do nothing but read and acknowledge the notice until they have; the
// Director lists who has not; disabling a user ends their session at once.
func TestUsersAndNotice(t *testing.T) {
	v := startVault(t)
	v.bootstrap(t, "dan")
	dan := v.signIn(t, "dan")
	dan.enrolTOTP()

	if code, _, e := cli(t, "users", "add", "bob", "--role", "root", "--data", v.data); code != 2 || !strings.Contains(e, "not a user role") {
		t.Errorf("a bad role: exit %d %s", code, e)
	}
	code, out, e := cli(t, "users", "add", "sam", "--role", "staff", "--email", "sam@example.com", "--data", v.data)
	if code != 0 {
		t.Fatalf("users add: %d %s", code, e)
	}
	m := regexp.MustCompile(`setup\?token=(cvl_[A-Za-z0-9_-]+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("users add printed no link:\n%s", out)
	}
	anon := v.client(t)
	if st, body := anon.call("POST", "/api/v1/setup", map[string]any{"token": m[1], "password": "password1234"}); st != 400 {
		t.Errorf("a common password through the link: %d %v", st, body)
	}
	if st, body := anon.call("POST", "/api/v1/setup", map[string]any{"token": m[1], "password": pw}); st != 200 {
		t.Fatalf("set password: %d %v", st, body)
	}
	if st, _ := anon.call("POST", "/api/v1/setup", map[string]any{"token": m[1], "password": pw}); st != 404 {
		t.Errorf("the link worked twice: %d", st)
	}
	if st, body := dan.call("GET", "/api/v1/notice/pending", nil); st != 200 || fmt.Sprint(body["users"]) != "[sam]" {
		t.Errorf("pending before: %d %v", st, body)
	}

	// A browser sent from another site cannot sign in or change anything.
	resp := anon.do("POST", "/api/v1/login", map[string]any{"username": "sam", "password": pw},
		http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}})
	resp.Body.Close()
	if resp.StatusCode != 403 || resp.Header.Get("Set-Cookie") != "" {
		t.Errorf("cross-site sign-in: %d, cookie %q", resp.StatusCode, resp.Header.Get("Set-Cookie"))
	}

	resp = anon.do("POST", "/api/v1/login", map[string]any{"username": "sam", "password": pw}, nil)
	resp.Body.Close()
	cookie := resp.Header.Get("Set-Cookie")
	for _, want := range []string{"callvault_session=cvs_", "HttpOnly", "SameSite=Strict", "Path=/"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("session cookie %q lacks %s", cookie, want)
		}
	}
	if strings.Contains(cookie, "Secure") {
		t.Errorf("session cookie %q is Secure over plain HTTP (the browser would drop it)", cookie)
	}

	sam := v.client(t)
	sam.login("sam")
	st, body := sam.call("POST", "/api/v1/access-requests", map[string]any{"purpose": "training", "reason": "training the new starter", "extension": "201"})
	if st != 403 || problemType(body) != "notice_not_acknowledged" {
		t.Errorf("before the notice: %d %v", st, body)
	}
	st, notice := sam.call("GET", "/api/v1/notice", nil)
	if st != 200 || notice["version"] == nil || !strings.Contains(fmt.Sprint(notice["text"]), "recorded") {
		t.Fatalf("notice: %d %v", st, notice)
	}
	if st, body := sam.call("POST", "/api/v1/me/notice/acknowledge", map[string]any{"version": notice["version"]}); st != 200 {
		t.Fatalf("acknowledge: %d %v", st, body)
	}
	if st, body := sam.call("POST", "/api/v1/access-requests", map[string]any{"purpose": "training", "reason": "training the new starter", "extension": "201"}); st != 201 {
		t.Errorf("after the notice: %d %v", st, body)
	}
	if st, body := dan.call("GET", "/api/v1/notice/pending", nil); st != 200 || fmt.Sprint(body["users"]) != "[]" {
		t.Errorf("pending after: %d %v", st, body)
	}

	// A password change ends every session; the new password signs in.
	_, me := sam.call("GET", "/api/v1/me", nil)
	const newPW = "a brand new passphrase 7"
	if st, body := sam.call("POST", "/api/v1/me/password", map[string]any{"current": "wrong one here", "new": newPW}); st != 403 {
		t.Errorf("password change with a wrong current password: %d %v", st, body)
	}
	if st, body := sam.call("POST", "/api/v1/me/password", map[string]any{"current": pw, "new": newPW}); st != 200 {
		t.Fatalf("password change: %d %v", st, body)
	}
	if st, _ := sam.call("GET", "/api/v1/me", nil); st != 401 {
		t.Errorf("session after a password change: %d", st)
	}
	if st, _ := sam.call("POST", "/api/v1/login", map[string]any{"username": "sam", "password": pw}); st != 401 {
		t.Errorf("the old password still signs in: %d", st)
	}
	if st, body := sam.call("POST", "/api/v1/login", map[string]any{"username": "sam", "password": newPW}); st != 200 {
		t.Fatalf("the new password: %d %v", st, body)
	}
	if st, body := dan.call("POST", "/api/v1/users/"+me["id"].(string)+"/roles", map[string]any{"roles": []string{"staff", "manager"}}); st != 200 {
		t.Fatalf("set roles: %d %v", st, body)
	}
	if _, body := sam.call("GET", "/api/v1/me", nil); fmt.Sprint(body["roles"]) != "[staff manager]" {
		t.Errorf("roles after the change: %v", body)
	}
	if st, body := dan.call("POST", "/api/v1/users/"+me["id"].(string)+"/disable", nil); st != 200 {
		t.Fatalf("disable: %d %v", st, body)
	}
	if st, _ := sam.call("GET", "/api/v1/me", nil); st != 401 {
		t.Errorf("a disabled user's session: %d", st)
	}
	var o, errb bytes.Buffer
	ev := testEnv(&o, &errb)
	if code := run(context.Background(), []string{"users", "list", "--data", v.data}, ev.stdin, &o, &errb, ev.getenv); code != 0 ||
		!strings.Contains(o.String(), "sam") || !strings.Contains(o.String(), "director") {
		t.Errorf("users list: %d\n%s%s", code, o.String(), errb.String())
	}
}

// TestNoticeFromFile: the notice's text and version come from the settings; raising the version
// makes everyone acknowledge again.
func TestNoticeFromFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "notice.txt")
	os.WriteFile(file, []byte("Calls on company lines are recorded (version 2).\n"), 0o600)
	v := startVault(t, "--notice-file", file, "--notice-version", "2")
	st, notice := v.client(t).call("GET", "/api/v1/notice", nil)
	if st != 200 || notice["version"] != float64(2) || notice["text"] != "Calls on company lines are recorded (version 2)." {
		t.Errorf("notice: %d %v", st, notice)
	}
	v.addUser(t, "sam", "staff")
	sam := v.client(t)
	sam.login("sam")
	if st, body := sam.call("POST", "/api/v1/me/notice/acknowledge", map[string]any{"version": 1}); st != 409 {
		t.Errorf("acknowledging an old version: %d %v", st, body)
	}
	if st, body := sam.call("POST", "/api/v1/me/notice/acknowledge", map[string]any{"version": 2}); st != 200 {
		t.Errorf("acknowledging the current version: %d %v", st, body)
	}
}
