package main

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
)

// TestRouteTable asks every API route as every kind of caller and checks the exact status: no
// session, an expired session, a disabled user, a machine token, and a user of each role. It
// fails when the server has a route without a row here, so a new route is decided on purpose.
func TestRouteTable(t *testing.T) {
	v := startVault(t)
	v.bootstrap(t, "dan")
	for _, u := range [][]string{{"dora", "dpo"}, {"mia", "manager"}, {"sam", "staff"}, {"al", "auditor"}, {"exp", "staff"}, {"dis", "staff"}} {
		v.addUser(t, u[0], u[1])
	}
	expired := v.signIn(t, "exp")
	v.clock.add(25 * time.Hour) // past the test's 24h idle timeout
	disabled := v.signIn(t, "dis")
	if code, _, e := cli(t, "users", "disable", "dis", "--data", v.data); code != 0 {
		t.Fatalf("users disable: %s", e)
	}
	users := map[string]*client{}
	for _, name := range []string{"dan", "dora", "mia", "sam", "al"} {
		users[name] = v.signIn(t, name)
	}
	for _, name := range []string{"dan", "dora", "mia"} {
		users[name].enrolTOTP()
	}
	token := createToken(t, v.data, "recorder", "pbx")

	type caller struct {
		name string
		c    *client
		auth string
	}
	callers := []caller{{"none", v.client(t), ""}, {"expired", expired, ""}, {"disabled", disabled, ""},
		{"token", v.client(t), "Bearer " + token}, {"director", users["dan"], ""}, {"dpo", users["dora"], ""},
		{"manager", users["mia"], ""}, {"staff", users["sam"], ""}, {"auditor", users["al"], ""}}
	id := callvault.NewID()
	// Statuses in the order of callers: none, expired, disabled, token, director, dpo, manager,
	// staff, auditor. Bodies are {} and ids made up, so allowed callers get 400, 404 or 409.
	rows := []struct {
		route string
		path  string
		want  [9]int
	}{
		{"GET /healthz", "/healthz", [9]int{200, 200, 200, 200, 200, 200, 200, 200, 200}},
		{"GET /readyz", "/readyz", [9]int{200, 200, 200, 200, 200, 200, 200, 200, 200}},
		{"GET /api/v1/notice", "", [9]int{200, 200, 200, 200, 200, 200, 200, 200, 200}},
		{"GET /api/v1/openapi.json", "", [9]int{200, 200, 200, 200, 200, 200, 200, 200, 200}},
		{"POST /api/v1/login", "", [9]int{401, 401, 401, 401, 401, 401, 401, 401, 401}},
		{"POST /api/v1/setup", "", [9]int{404, 404, 404, 404, 404, 404, 404, 404, 404}},
		{"POST /api/v1/webhooks/twilio/recording", "", [9]int{404, 404, 404, 404, 404, 404, 404, 404, 404}},
		{"GET /api/v1/compliance/retention", "", [9]int{401, 401, 401, 403, 200, 200, 403, 403, 200}},
		{"POST /api/v1/recordings", "", [9]int{401, 401, 401, 415, 403, 403, 403, 403, 403}},
		{"GET /api/v1/me", "", [9]int{401, 401, 401, 403, 200, 200, 200, 200, 200}},
		{"POST /api/v1/me/totp", "", [9]int{401, 401, 401, 403, 409, 409, 409, 200, 200}},
		{"POST /api/v1/me/totp/confirm", "", [9]int{401, 401, 401, 403, 409, 409, 409, 400, 400}},
		{"POST /api/v1/me/notice/acknowledge", "", [9]int{401, 401, 401, 403, 409, 409, 409, 409, 409}},
		{"GET /api/v1/notice/pending", "", [9]int{401, 401, 401, 403, 200, 200, 403, 403, 403}},
		{"POST /api/v1/notice/send", "", [9]int{401, 401, 401, 403, 200, 200, 403, 403, 403}},
		{"POST /api/v1/access-requests", "", [9]int{401, 401, 401, 403, 400, 400, 400, 400, 403}},
		{"GET /api/v1/access-requests", "", [9]int{401, 401, 401, 403, 200, 200, 200, 403, 403}},
		{"GET /api/v1/access-requests/{id}", "/api/v1/access-requests/" + id, [9]int{401, 401, 401, 403, 404, 404, 404, 404, 403}},
		{"POST /api/v1/access-requests/{id}/approve", "/api/v1/access-requests/" + id + "/approve", [9]int{401, 401, 401, 403, 404, 404, 404, 404, 403}},
		{"POST /api/v1/access-requests/{id}/reject", "/api/v1/access-requests/" + id + "/reject", [9]int{401, 401, 401, 403, 404, 404, 404, 404, 403}},
		{"GET /api/v1/recordings/{id}", "/api/v1/recordings/" + id, [9]int{401, 401, 401, 403, 404, 404, 404, 404, 403}},
		{"GET /api/v1/recordings/{id}/audio", "/api/v1/recordings/" + id + "/audio", [9]int{401, 401, 401, 403, 404, 404, 404, 404, 403}},
		{"POST /api/v1/grants/{id}/revoke", "/api/v1/grants/" + id + "/revoke", [9]int{401, 401, 401, 403, 404, 404, 404, 404, 403}},
		{"POST /api/v1/delegations", "", [9]int{401, 401, 401, 403, 403, 400, 403, 403, 403}},
		{"GET /api/v1/delegations", "", [9]int{401, 401, 401, 403, 200, 200, 403, 403, 403}},
		{"POST /api/v1/delegations/{id}/revoke", "/api/v1/delegations/" + id + "/revoke", [9]int{401, 401, 401, 403, 403, 404, 403, 403, 403}},
		{"POST /api/v1/users", "", [9]int{401, 401, 401, 403, 400, 400, 403, 403, 403}},
		{"GET /api/v1/users", "", [9]int{401, 401, 401, 403, 200, 200, 403, 403, 403}},
		{"POST /api/v1/users/{id}/disable", "/api/v1/users/" + id + "/disable", [9]int{401, 401, 401, 403, 404, 404, 403, 403, 403}},
		{"POST /api/v1/users/{id}/enable", "/api/v1/users/" + id + "/enable", [9]int{401, 401, 401, 403, 404, 404, 403, 403, 403}},
		{"POST /api/v1/users/{id}/roles", "/api/v1/users/" + id + "/roles", [9]int{401, 401, 401, 403, 400, 400, 403, 403, 403}},
		{"POST /api/v1/me/password", "", [9]int{401, 401, 401, 403, 400, 400, 400, 400, 400}},
		{"POST /api/v1/logout", "", [9]int{401, 401, 401, 403, 200, 200, 200, 200, 200}},
		{"POST /api/v1/me/logout-everywhere", "", [9]int{401, 401, 401, 403, 200, 200, 200, 200, 200}},
		{"POST /api/v1/cases", "", [9]int{401, 401, 401, 403, 400, 400, 403, 403, 403}},
		{"GET /api/v1/cases", "", [9]int{401, 401, 401, 403, 200, 200, 403, 403, 403}},
		{"POST /api/v1/cases/flag", "", [9]int{401, 401, 401, 403, 400, 400, 400, 400, 403}},
		{"GET /api/v1/cases/{id}", "/api/v1/cases/" + id, [9]int{401, 401, 401, 403, 404, 404, 403, 403, 403}},
		{"POST /api/v1/cases/{id}/search", "/api/v1/cases/" + id + "/search", [9]int{401, 401, 401, 403, 404, 404, 403, 403, 403}},
		{"POST /api/v1/cases/{id}/recordings", "/api/v1/cases/" + id + "/recordings", [9]int{401, 401, 401, 403, 404, 404, 403, 403, 403}},
		{"POST /api/v1/cases/{id}/close", "/api/v1/cases/" + id + "/close", [9]int{401, 401, 401, 403, 404, 404, 403, 403, 403}},
		{"POST /api/v1/cases/{id}/bundle", "/api/v1/cases/" + id + "/bundle", [9]int{401, 401, 401, 403, 404, 404, 403, 403, 403}},
		{"POST /api/v1/cases/{id}/agreement", "/api/v1/cases/" + id + "/agreement", [9]int{401, 401, 401, 403, 404, 404, 404, 404, 403}},
		{"POST /api/v1/cases/{id}/clock", "/api/v1/cases/" + id + "/clock", [9]int{401, 401, 401, 403, 404, 404, 403, 403, 403}},
		{"POST /api/v1/cases/{id}/links", "/api/v1/cases/" + id + "/links", [9]int{401, 401, 401, 403, 404, 404, 403, 403, 403}},
		{"POST /api/v1/cases/{id}/links/{link}/revoke", "/api/v1/cases/" + id + "/links/" + id + "/revoke", [9]int{401, 401, 401, 403, 404, 404, 403, 403, 403}},
		{"GET /listen/{case}/{secret}", "/listen/" + id + "/" + strings.Repeat("A", 43), [9]int{404, 404, 404, 404, 404, 404, 404, 404, 404}},
		{"POST /listen/{case}/{secret}", "/listen/" + id + "/" + strings.Repeat("A", 43), [9]int{404, 404, 404, 404, 404, 404, 404, 404, 404}},
		{"GET /listen/{case}/{secret}/{rec}", "/listen/" + id + "/" + strings.Repeat("A", 43) + "/" + id, [9]int{404, 404, 404, 404, 404, 404, 404, 404, 404}}, {"POST /api/v1/holds", "", [9]int{401, 401, 401, 403, 403, 400, 403, 403, 403}},
		{"GET /api/v1/holds", "", [9]int{401, 401, 401, 403, 200, 200, 403, 403, 200}},
		{"DELETE /api/v1/holds/{id}", "/api/v1/holds/" + id, [9]int{401, 401, 401, 403, 403, 404, 403, 403, 403}},
	}
	var covered []string
	for _, row := range rows {
		covered = append(covered, row.route)
		method, path, _ := strings.Cut(row.route, " ")
		if row.path != "" {
			path = row.path
		}
		for i, c := range callers {
			var body any
			if method == "POST" && path != "/api/v1/recordings" {
				body = map[string]any{}
			}
			var h http.Header
			if c.auth != "" {
				h = http.Header{"Authorization": {c.auth}}
			}
			resp := c.c.do(method, path, body, h)
			resp.Body.Close()
			if resp.StatusCode != row.want[i] {
				t.Errorf("%s as %s: %d, want %d", row.route, c.name, resp.StatusCode, row.want[i])
			}
			if resp.StatusCode == 200 && strings.Contains(path, "logout") && i >= 4 {
				c.c.login(c.c.name) // sign in again for the rows after
			}
		}
	}
	routes := v.main.HTTPServer.Routes()
	for _, r := range routes {
		if !slices.Contains(covered, r) {
			t.Errorf("route %s has no row in the route table test", r)
		}
	}
	for _, r := range covered {
		if !slices.Contains(routes, r) {
			t.Errorf("row %s names no route", r)
		}
	}
	// The refusals of a disabled user and of anyone without a session left the data alone.
	if us, err := v.main.Identity.Store.Users(context.Background()); err != nil || len(us) != 7 {
		t.Errorf("users after the table: %d, %v", len(us), err)
	}
}
