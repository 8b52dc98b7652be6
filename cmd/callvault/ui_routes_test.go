package main

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
)

// noRedirect returns a client with c's cookies that shows redirects instead of following them.
func noRedirect(c *client) *http.Client {
	return &http.Client{Jar: c.http.Jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// TestPageRouteTable opens every page as every kind of person and checks the exact status, that
// every answer carries a Content-Security-Policy and that pages are never stored by caches. It
// fails when the pages have a route without a row here.
func TestPageRouteTable(t *testing.T) {
	v := startVault(t)
	v.bootstrap(t, "dan")
	for _, u := range [][]string{{"dora", "dpo"}, {"mia", "manager"}, {"max", "manager"}, {"sam", "staff"}, {"new", "staff"}, {"al", "auditor"},
		{"exp", "staff"}, {"dis", "staff"}} {
		v.addUser(t, u[0], u[1])
	}
	// An expired session and a disabled user's session are nobody, exactly like no session.
	expired := v.signIn(t, "exp")
	v.clock.add(25 * time.Hour) // past the test's 24h idle timeout
	disabled := v.signIn(t, "dis")
	if code, _, e := cli(t, append([]string{"users", "disable", "dis"}, v.stores...)...); code != 0 {
		t.Fatalf("users disable: %s", e)
	}
	users := map[string]*client{}
	for _, name := range []string{"dan", "dora", "mia", "max", "sam", "al"} {
		users[name] = v.signIn(t, name)
	}
	for _, name := range []string{"dan", "dora", "mia"} {
		users[name].enrolTOTP()
	}
	unacked := v.client(t)
	unacked.login("new")
	names := []string{"none", "unacked", "staff", "manager-no-totp", "manager", "director", "dpo", "auditor", "expired", "disabled"}
	callers := []*client{v.client(t), unacked, users["sam"], users["max"], users["mia"], users["dan"], users["dora"], users["al"], expired, disabled}

	css := regexp.MustCompile(`/assets/callvault\.[0-9a-f]{12}\.css`).FindString(get(t, v.client(t), "/login"))
	if css == "" {
		t.Fatal("the sign-in page links no hashed stylesheet")
	}
	id := callvault.NewID()
	// Statuses in the order of names. 303 is a redirect: to /login for nobody, to /notice for a
	// person who has not acknowledged the staff notice.
	rows := []struct {
		route, method, path string
		want                [8]int
	}{
		{"GET /assets/{name}", "GET", css, [8]int{200, 200, 200, 200, 200, 200, 200, 200}},
		{"GET /privacy/call-recording", "GET", "", [8]int{200, 200, 200, 200, 200, 200, 200, 200}},
		{"GET /login", "GET", "", [8]int{200, 303, 303, 303, 303, 303, 303, 303}},
		{"POST /login", "POST", "", [8]int{401, 401, 401, 401, 401, 401, 401, 401}},
		{"GET /setup", "GET", "/setup?token=cvl_madeup", [8]int{200, 200, 200, 200, 200, 200, 200, 200}},
		{"POST /setup", "POST", "", [8]int{404, 404, 404, 404, 404, 404, 404, 404}},
		{"GET /notice", "GET", "", [8]int{303, 200, 200, 200, 200, 200, 200, 200}},
		{"POST /notice", "POST", "", [8]int{303, 409, 409, 409, 409, 409, 409, 409}},
		{"GET /{$}", "GET", "/", [8]int{303, 303, 200, 200, 200, 200, 200, 200}},
		{"GET /account", "GET", "", [8]int{303, 200, 200, 200, 200, 200, 200, 200}},
		{"GET /account/totp", "GET", "", [8]int{303, 200, 200, 200, 200, 200, 200, 200}},
		{"POST /account/totp/confirm", "POST", "", [8]int{303, 409, 409, 409, 409, 409, 409, 409}},
		{"GET /requests/new", "GET", "", [8]int{303, 303, 200, 200, 200, 200, 200, 403}},
		{"POST /requests", "POST", "", [8]int{303, 303, 400, 400, 400, 400, 400, 403}},
		{"GET /requests", "GET", "", [8]int{303, 303, 200, 200, 200, 200, 200, 403}},
		{"GET /approvals", "GET", "", [8]int{303, 303, 403, 200, 200, 200, 200, 403}},
		{"GET /approvals/{id}", "GET", "/approvals/" + id, [8]int{303, 303, 404, 403, 404, 404, 404, 403}},
		{"POST /approvals/{id}", "POST", "/approvals/" + id, [8]int{303, 303, 400, 403, 400, 400, 400, 403}}, // no decision chosen
		{"GET /grants/{id}", "GET", "/grants/" + id, [8]int{303, 303, 404, 403, 404, 404, 404, 403}},
		// The player's waveform, staff flags and the history of decisions (uiplayer).
		{"GET /grants/{id}/waveform/{rec}", "GET", "/grants/" + id + "/waveform/" + id, [8]int{303, 303, 404, 403, 404, 404, 404, 403}},
		{"GET /flag", "GET", "", [8]int{303, 303, 200, 200, 200, 200, 200, 403}},
		{"POST /flag", "POST", "", [8]int{303, 303, 400, 400, 400, 400, 400, 403}}, // no time, no extension
		{"GET /approvals/history", "GET", "", [8]int{303, 303, 403, 200, 200, 200, 200, 403}},
		{"POST /account/totp", "POST", "", [8]int{303, 200, 200, 200, 409, 409, 409, 200}},
		// Passkeys: this vault has no public_url, so none are offered (409); an unknown sign-in
		// ticket is refused (401); removing needs the password (400).
		{"POST /login/passkey", "POST", "", [8]int{401, 401, 401, 401, 401, 401, 401, 401}},
		{"GET /account/passkeys", "GET", "", [8]int{303, 200, 200, 200, 200, 200, 200, 200}},
		{"POST /account/passkeys/new", "POST", "", [8]int{303, 409, 409, 409, 409, 409, 409, 409}},
		{"POST /account/passkeys", "POST", "", [8]int{303, 409, 409, 409, 409, 409, 409, 409}},
		{"POST /account/passkeys/{id}/remove", "POST", "/account/passkeys/AAAA/remove", [8]int{303, 400, 400, 400, 400, 400, 400, 400}},
		// Administration, the audit log and the compliance report ("unacked" is staff: its role is
		// refused before the notice is asked for).
		{"GET /admin", "GET", "", [8]int{303, 403, 403, 403, 403, 200, 200, 403}},
		{"POST /admin/notice/send", "POST", "", [8]int{303, 403, 403, 403, 403, 200, 200, 403}}, // the notice is mailed (the outbox)
		// The recording notice's editor (no text posted: 400).
		{"GET /admin/notice", "GET", "", [8]int{303, 403, 403, 403, 403, 200, 200, 403}},
		{"POST /admin/notice/preview", "POST", "", [8]int{303, 403, 403, 403, 403, 400, 400, 403}},
		{"POST /admin/notice", "POST", "", [8]int{303, 403, 403, 403, 403, 400, 400, 403}},
		// The retention period: Directors only (no months posted: 400).
		{"GET /admin/retention", "GET", "", [8]int{303, 403, 403, 403, 403, 200, 403, 403}},
		{"POST /admin/retention/preview", "POST", "", [8]int{303, 403, 403, 403, 403, 400, 403, 403}},
		{"POST /admin/retention", "POST", "", [8]int{303, 403, 403, 403, 403, 400, 403, 403}},
		{"GET /admin/users", "GET", "", [8]int{303, 403, 403, 403, 403, 200, 200, 403}},
		{"POST /admin/users", "POST", "", [8]int{303, 403, 403, 403, 403, 400, 400, 403}}, // no role chosen
		{"GET /admin/users/{id}", "GET", "/admin/users/" + id, [8]int{303, 403, 403, 403, 403, 404, 404, 403}},
		{"POST /admin/users/{id}/roles", "POST", "/admin/users/" + id + "/roles", [8]int{303, 403, 403, 403, 403, 400, 400, 403}},
		{"POST /admin/users/{id}/disable", "POST", "/admin/users/" + id + "/disable", [8]int{303, 403, 403, 403, 403, 404, 404, 403}},
		{"POST /admin/users/{id}/enable", "POST", "/admin/users/" + id + "/enable", [8]int{303, 403, 403, 403, 403, 404, 404, 403}},
		{"GET /admin/tokens", "GET", "", [8]int{303, 403, 403, 403, 403, 200, 200, 403}},
		{"POST /admin/tokens", "POST", "", [8]int{303, 403, 403, 403, 403, 400, 400, 403}}, // no name
		{"POST /admin/tokens/{id}/revoke", "POST", "/admin/tokens/" + id + "/revoke", [8]int{303, 403, 403, 403, 403, 404, 404, 403}},
		{"GET /audit", "GET", "", [8]int{303, 403, 403, 403, 403, 403, 403, 200}},
		{"GET /audit/verify/progress", "GET", "", [8]int{303, 403, 403, 403, 403, 403, 403, 200}},
		{"POST /audit/verify", "POST", "", [8]int{303, 403, 403, 403, 403, 403, 403, 303}}, // to the page, which shows the run
		{"GET /compliance", "GET", "", [8]int{303, 403, 403, 403, 403, 200, 200, 200}},

		// The DPO's pages: Directors run complaints and abusive calls; an unknown case is not found;
		// the roles are checked before the notice (the unacknowledged person is staff).
		{"GET /cases", "GET", "", [8]int{303, 403, 403, 403, 403, 200, 200, 403}},
		{"GET /cases/new", "GET", "", [8]int{303, 403, 403, 403, 403, 200, 200, 403}},
		{"POST /cases", "POST", "", [8]int{303, 403, 403, 403, 403, 400, 400, 403}}, // no type chosen
		{"GET /cases/{id}", "GET", "/cases/" + id, [8]int{303, 403, 403, 403, 403, 404, 404, 403}},
		{"GET /cases/{id}/search", "GET", "/cases/" + id + "/search", [8]int{303, 403, 403, 403, 403, 404, 404, 403}},
		{"POST /cases/{id}/search", "POST", "/cases/" + id + "/search", [8]int{303, 403, 403, 403, 403, 404, 404, 403}},
		{"POST /cases/{id}/recordings", "POST", "/cases/" + id + "/recordings", [8]int{303, 403, 403, 403, 403, 404, 404, 403}},
		{"POST /cases/{id}/clock", "POST", "/cases/" + id + "/clock", [8]int{303, 403, 403, 403, 403, 404, 404, 403}},
		{"POST /cases/{id}/links", "POST", "/cases/" + id + "/links", [8]int{303, 403, 403, 403, 403, 404, 404, 403}},
		{"POST /cases/{id}/links/{link}/revoke", "POST", "/cases/" + id + "/links/" + id + "/revoke", [8]int{303, 403, 403, 403, 403, 404, 404, 403}},
		{"POST /cases/{id}/bundle", "POST", "/cases/" + id + "/bundle", [8]int{303, 403, 403, 403, 403, 404, 404, 403}},
		{"POST /cases/{id}/agreement", "POST", "/cases/" + id + "/agreement", [8]int{303, 303, 404, 403, 404, 404, 404, 403}}, // delegates agree too
		{"POST /cases/{id}/close", "POST", "/cases/" + id + "/close", [8]int{303, 403, 403, 403, 403, 404, 404, 403}},
		{"POST /cases/{id}/notes", "POST", "/cases/" + id + "/notes", [8]int{303, 403, 403, 403, 403, 404, 404, 403}},
		{"GET /delegations", "GET", "", [8]int{303, 403, 403, 403, 403, 200, 200, 403}},
		{"POST /delegations", "POST", "", [8]int{303, 403, 403, 403, 403, 403, 400, 403}}, // no delegate named
		{"POST /delegations/{id}/revoke", "POST", "/delegations/" + id + "/revoke", [8]int{303, 403, 403, 403, 403, 403, 404, 403}},
		{"GET /pci", "GET", "", [8]int{303, 403, 403, 403, 403, 403, 200, 403}},
		{"GET /reports/inbound", "GET", "", [8]int{303, 403, 403, 403, 403, 403, 200, 403}},
		// Holds by hand and the delegate's agreement page (review13): an unknown case or hold is not found.
		{"POST /cases/{id}/holds", "POST", "/cases/" + id + "/holds", [8]int{303, 403, 403, 403, 403, 403, 404, 403}},
		{"POST /cases/{id}/holds/{hold}/release", "POST", "/cases/" + id + "/holds/" + id + "/release", [8]int{303, 403, 403, 403, 403, 403, 404, 403}},
		{"POST /holds/{id}/release", "POST", "/holds/" + id + "/release", [8]int{303, 403, 403, 403, 403, 403, 404, 403}},
		{"GET /cases/{id}/agreement", "GET", "/cases/" + id + "/agreement", [8]int{303, 303, 404, 403, 404, 404, 404, 403}}, // delegates agree too
		{"POST /logout", "POST", "", [8]int{303, 303, 303, 303, 303, 303, 303, 303}},                                        // last: it signs everyone out
	}
	var covered []string
	for _, row := range rows {
		covered = append(covered, row.route)
		path := row.path
		if path == "" {
			path = row.route[strings.IndexByte(row.route, ' ')+1:]
		}
		for i, c := range callers {
			var body io.Reader
			req, _ := http.NewRequest(row.method, v.url+path, body)
			if row.method == "POST" {
				req, _ = http.NewRequest(row.method, v.url+path, strings.NewReader(url.Values{"x": {"1"}}.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			resp, err := noRedirect(c).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			page, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			want := row.want[0] // expired and disabled: as nobody
			if i < len(row.want) {
				want = row.want[i]
			}
			if resp.StatusCode != want {
				t.Errorf("%s %s as %s: status %d, want %d\n%.300s", row.method, path, names[i], resp.StatusCode, want, page)
			}
			if resp.Header.Get("Content-Security-Policy") == "" {
				t.Errorf("%s %s as %s: no Content-Security-Policy", row.method, path, names[i])
			}
			if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
				if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
					t.Errorf("%s %s as %s: Cache-Control %q on a page", row.method, path, names[i], cc)
				}
				if csp := resp.Header.Get("Content-Security-Policy"); strings.Contains(csp, "unsafe-inline") || resp.StatusCode != 303 && !strings.Contains(csp, "script-src 'self'") {
					t.Errorf("%s %s: a page's CSP is not strict: %q", row.method, path, csp)
				}
				if resp.StatusCode >= 400 && !strings.Contains(string(page), "<h1>") {
					t.Errorf("%s %s as %s: error %d is not a page: %.200s", row.method, path, names[i], resp.StatusCode, page)
				}
			}
			if resp.StatusCode == 303 {
				loc := resp.Header.Get("Location")
				switch {
				case (i == 0 || i >= 8) && !strings.HasPrefix(loc, "/login"):
					t.Errorf("%s %s as nobody: redirected to %q, want /login", row.method, path, loc)
				case i == 1 && !strings.HasPrefix(loc, "/notice") && !strings.HasPrefix(loc, "/login") && row.route != "GET /login":
					t.Errorf("%s %s before the notice: redirected to %q, want /notice", row.method, path, loc)
				}
			}
		}
	}
	if css != "" {
		resp := do(t, v.client(t), css)
		if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
			t.Errorf("the stylesheet's Cache-Control is %q, want immutable", cc)
		}
	}
	for _, r := range v.main.HTTPServer.Pages().(interface{ Routes() []string }).Routes() {
		if !slices.Contains(covered, r) {
			t.Errorf("page route %q has no row in the table", r)
		}
	}
}

// TestPagesContract: /login is a form with a password field; / redirects there; the privacy
// page is public; unknown pages and cross-site forms get pages a person understands.
func TestPagesContract(t *testing.T) {
	v := startVault(t)
	anon := v.client(t)
	resp := do(t, anon, "/")
	if resp.Request.URL.Path != "/login" {
		t.Fatalf("/ went to %s, want /login", resp.Request.URL)
	}
	login := get(t, anon, "/login")
	if !regexp.MustCompile(`<input[^>]+type="password"`).MatchString(login) || !strings.Contains(login, `<form method="post" action="/login"`) {
		t.Fatalf("/login has no form with a password field:\n%s", login)
	}
	if p := get(t, anon, "/privacy/call-recording"); !strings.Contains(p, "Telephone calls made and received") {
		t.Fatalf("the privacy page lacks the notice:\n%.500s", p)
	}
	if resp := do(t, anon, "/no/such/page"); resp.StatusCode != 404 || !strings.Contains(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("unknown page: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if resp := do(t, anon, "/api/v1/no-such"); !strings.Contains(resp.Header.Get("Content-Type"), "problem+json") {
		t.Fatalf("an unknown API path became a page: %s", resp.Header.Get("Content-Type"))
	}
	req, _ := http.NewRequest("POST", v.url+"/login", strings.NewReader("username=a&password=b"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || !strings.Contains(string(page), "sent from another site") || resp.Header.Get("Content-Security-Policy") == "" {
		t.Fatalf("a cross-site form: %d %.300s", resp.StatusCode, page)
	}
}

func do(t *testing.T, c *client, path string) *http.Response {
	t.Helper()
	resp, err := c.http.Get(c.v.url + path)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func get(t *testing.T, c *client, path string) string {
	t.Helper()
	resp, err := c.http.Get(c.v.url + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
