package main

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// postForm sends a form as a browser on the vault's own page would and returns the status, the
// redirect target and the page.
func postForm(t *testing.T, c *client, path string, form url.Values) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", c.v.url+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := noRedirect(c).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// TestPageForms: a set-password link from `users add` works in the page (mismatch and policy
// messages first, keeping the name); the sign-in form signs in and goes where it was asked
// to (on this site only); wrong passwords lock the account with a message saying until when,
// in the organisation's time; the right password is refused during the lockout.
func TestPageForms(t *testing.T) {
	v := startVault(t)
	v.bootstrap(t, "dan")
	code, out, errOut := cli(t, append([]string{"users", "add", "ola", "--role", "staff"}, v.stores...)...)
	if code != 0 {
		t.Fatalf("users add: %s", errOut)
	}
	token := regexp.MustCompile(`/setup\?token=(cvl_[A-Za-z0-9_-]+)`).FindStringSubmatch(out)
	if token == nil {
		t.Fatalf("users add printed no link:\n%s", out)
	}
	anon := v.client(t)
	if page := get(t, anon, "/setup?token="+token[1]); !strings.Contains(page, "Set your password") || strings.Contains(page, "first account") {
		t.Fatalf("set-password page:\n%.800s", page)
	}
	st, _, page := postForm(t, anon, "/setup", url.Values{"token": {token[1]}, "password": {pw}, "confirm": {pw + "x"}})
	if st != 400 || !strings.Contains(page, "The two passwords are not the same") {
		t.Fatalf("mismatched passwords: %d\n%.800s", st, page)
	}
	st, _, page = postForm(t, anon, "/setup", url.Values{"token": {token[1]}, "password": {"short"}, "confirm": {"short"}})
	if st != 400 || !strings.Contains(page, "The password is too short") || !strings.Contains(page, `aria-invalid="true"`) {
		t.Fatalf("short password: %d\n%.800s", st, page)
	}
	st, loc, _ := postForm(t, anon, "/setup", url.Values{"token": {token[1]}, "password": {pw}, "confirm": {pw}})
	if st != 303 || loc != "/login?done=setup" {
		t.Fatalf("set password: %d %s", st, loc)
	}
	if st, _, _ := postForm(t, anon, "/setup", url.Values{"token": {token[1]}, "password": {pw}, "confirm": {pw}}); st != 404 {
		t.Fatalf("the link worked twice: %d", st)
	}

	// Sign in and back to the page asked for; never to another site.
	c := v.client(t)
	st, loc, _ = postForm(t, c, "/login", url.Values{"username": {"ola"}, "password": {pw}, "next": {"/requests"}})
	if st != 303 || loc != "/requests" {
		t.Fatalf("sign-in: %d %s", st, loc)
	}
	if st, loc := redirectOf(t, c, "/requests"); st != 303 || !strings.HasPrefix(loc, "/notice?next=") {
		t.Fatalf("before the notice /requests answers %d %s, want the notice", st, loc)
	}
	if st, _ := redirectOf(t, c, "/logout"); st != 405 {
		t.Errorf("GET /logout: %d, want 405", st)
	}
	c3 := v.client(t)
	postForm(t, c3, "/login", url.Values{"username": {"ola"}, "password": {pw}})
	u, _ := url.Parse(v.url)
	cookies := c3.http.Jar.Cookies(u)
	if len(cookies) != 1 {
		t.Fatalf("cookies after sign-in: %v", cookies)
	}
	if st, loc, _ := postForm(t, c3, "/logout", nil); st != 303 || loc != "/login?done=logout" {
		t.Fatalf("sign out: %d %s", st, loc)
	}
	// The old cookie, kept by someone, no longer works: the session ended on the server.
	stale := v.client(t)
	stale.http.Jar.SetCookies(u, cookies)
	if st, loc := redirectOf(t, stale, "/account"); st != 303 || !strings.HasPrefix(loc, "/login") {
		t.Fatalf("after signing out the old cookie opens /account: %d %s", st, loc)
	}
	c2 := v.client(t)
	if _, loc, _ = postForm(t, c2, "/login", url.Values{"username": {"ola"}, "password": {pw}, "next": {"//evil.example/x"}}); loc != "/" {
		t.Fatalf("sign-in sent the browser to %q", loc)
	}

	// Lockout: ten wrong passwords, then the right one is refused with the time it ends.
	bad := v.client(t)
	for i := 0; i < 10; i++ {
		st, _, page := postForm(t, bad, "/login", url.Values{"username": {"ola"}, "password": {"wrong password " + pw}})
		if st != 401 || !strings.Contains(page, "Wrong user name, password or code") || !strings.Contains(page, `value="ola"`) {
			t.Fatalf("wrong password %d: %d\n%.600s", i, st, page)
		}
		if strings.Contains(page, "wrong password "+pw) {
			t.Fatal("the page echoes the password typed")
		}
	}
	st, _, page = postForm(t, bad, "/login", url.Values{"username": {"ola"}, "password": {pw}})
	until := v.clock.now().Add(15 * time.Minute)
	z, _ := time.LoadLocation("Europe/London")
	if st != 401 || !strings.Contains(page, "This account is locked") || !strings.Contains(page, "Try again after "+until.In(z).Format("Mon 2 Jan 2006, 15:04 MST")) {
		t.Fatalf("during the lockout: %d\n%.800s", st, page)
	}
}

func redirectOf(t *testing.T, c *client, path string) (int, string) {
	t.Helper()
	resp, err := noRedirect(c).Get(c.v.url + path)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location")
}
