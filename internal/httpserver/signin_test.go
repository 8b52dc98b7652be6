package httpserver

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"net/http/httptest"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/access"
	"github.com/callvault/callvault/internal/identity"
	"github.com/callvault/callvault/internal/sqlite"
)

// TestSecureCookieUnderTLS: over TLS the session cookie is marked Secure.
func TestSecureCookieUnderTLS(t *testing.T) {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	id := &identity.Service{Store: db}
	const pw = "tortoise lamp river 42"
	if _, _, err := id.AddUser(context.Background(), callvault.Operator("cli:t"), identity.NewUser{Name: "sam", Roles: []callvault.Role{callvault.RoleStaff}, Password: pw}); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	e.server = New(Config{Archive: e.archive, Tokens: e.tokens, Logger: e.logs.logger(),
		People: &People{Identity: id, Access: &access.Service{Rules: &access.Rules{}, Store: db, Recordings: db}, Rules: &access.Rules{}}})
	ts := httptest.NewTLSServer(e.server.Handler())
	defer ts.Close()
	resp, err := ts.Client().Post(ts.URL+"/api/v1/login", "application/json", strings.NewReader(`{"username":"sam","password":"`+pw+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	c := resp.Header.Get("Set-Cookie")
	if resp.StatusCode != 200 || !strings.Contains(c, "; Secure") || !strings.Contains(c, "HttpOnly") || !strings.Contains(c, "SameSite=Strict") {
		t.Errorf("login over TLS: %d, cookie %q", resp.StatusCode, c)
	}
	if strings.Contains(e.logs.String(), pw) {
		t.Error("the password is in the log")
	}
}
