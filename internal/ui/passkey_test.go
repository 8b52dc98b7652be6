package ui

import (
	"encoding/json"
	"html"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/callvault/callvault/internal/identity"
)

// TestLoginPasskeyStep: after the right password, a person with a passkey gets its form (the
// options carried intact in an attribute, the script loaded); the app's form stays beside it
// only when the person has the app too. Pages without a passkey step load no passkey script.
func TestLoginPasskeyStep(t *testing.T) {
	p := New(Config{})
	opts := json.RawMessage(`{"publicKey":{"challenge":"a-b_c","rpId":"vault.example.com","allowCredentials":[{"type":"public-key","id":"AQI"}]}}`)
	render := func(v loginView) string {
		w := httptest.NewRecorder()
		p.render(w, httptest.NewRequest("POST", "/login", nil), 200, "login", "Sign in", v)
		return w.Body.String()
	}
	step := &identity.PasskeyCeremony{Ticket: "cvp_ticket", Options: opts}
	attr := regexp.MustCompile(`data-options="([^"]*)"`)
	for _, both := range []bool{false, true} {
		page := render(loginView{Username: "mia", Passkey: step, NeedCode: both})
		m := attr.FindStringSubmatch(page)
		if m == nil || html.UnescapeString(m[1]) != string(opts) {
			t.Fatalf("the passkey form does not carry the options intact: %q", m)
		}
		for _, want := range []string{`action="/login/passkey"`, `name="ticket" value="cvp_ticket"`, `src="/assets/passkey.`} {
			if !strings.Contains(page, want) {
				t.Errorf("app too=%v: the page lacks %s", both, want)
			}
		}
		if got := strings.Contains(page, `action="/login"`) && strings.Contains(page, `id="totp"`); got != both {
			t.Errorf("app too=%v: the app's code form shown=%v", both, got)
		}
	}
	if page := render(loginView{}); strings.Contains(page, "passkey.") || !strings.Contains(page, `action="/login"`) {
		t.Error("the plain sign-in page loads the passkey script or lacks its form")
	}
}
