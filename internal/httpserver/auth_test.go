package httpserver

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/access"
)

func TestAuthentication(t *testing.T) {
	body := multipartBody(part{name: "metadata", body: goodMetadata}, part{name: "audio", body: "RIFF"})
	tests := []struct {
		name          string
		authorization string // "-" for none
		setup         func(e *env)
		status        int
		detail        string
		challenge     string // want WWW-Authenticate
	}{
		{"no header", "-", nil, 401, "missing API token", "Bearer"},
		{"basic scheme", "Basic dXNlcjpwYXNz", nil, 401, "missing API token", "Bearer"},
		{"bearer without value", "Bearer ", nil, 401, "missing API token", "Bearer"},
		{"not a callvault token", "Bearer abc123", nil, 401, "invalid or revoked", `Bearer error="invalid_token"`},
		{"overlong token", "Bearer cv_" + strings.Repeat("a", maxTokenLen), nil, 401, "invalid or revoked",
			`Bearer error="invalid_token"`},
		{"unknown token", "Bearer cv_unknown", nil, 401, "invalid or revoked", `Bearer error="invalid_token"`},
		{"revoked token returned by the store", "Bearer " + recorderSecret, func(e *env) {
			now := time.Now()
			e.tokens.byHash[callvault.HashToken(recorderSecret)].RevokedAt = &now
		}, 401, "invalid or revoked", `Bearer error="invalid_token"`},
		{"store matching loosely", "Bearer cv_guess", func(e *env) {
			e.tokens.byHash = map[string]*callvault.Token{}
			e.tokens.add(recorderSecret, "pbx-1", callvault.RoleRecorder)
			e.tokens.loose = true
		}, 401, "invalid or revoked", `Bearer error="invalid_token"`},
		{"auditor may not upload", "Bearer " + auditorSecret, nil, 403, "the auditor role may not do recording.ingest", ""},
		{"token store unavailable", "Bearer " + recorderSecret, func(e *env) {
			e.tokens.err = callvault.Errorf(callvault.KindUnavailable, "database down")
		}, 503, "retry later", ""},
		{"token store broken", "Bearer " + recorderSecret, func(e *env) {
			e.tokens.err = callvault.Errorf(callvault.KindInvalid, "driver said something odd")
		}, 500, "internal error", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if tt.setup != nil {
				tt.setup(e)
			}
			ts := e.start()
			req := newUpload(t, ts.URL, multipartType, strings.NewReader(body))
			req.Header.Del("Authorization")
			if tt.authorization != "-" {
				req.Header.Set("Authorization", tt.authorization)
			}
			resp, raw := do(t, req)
			checkProblem(t, resp, raw, tt.status, tt.detail)
			if got := resp.Header.Get("WWW-Authenticate"); got != tt.challenge {
				t.Errorf("WWW-Authenticate = %q, want %q", got, tt.challenge)
			}
			if e.archive.stored() != 0 {
				t.Error("archive stored a recording for a refused request")
			}
		})
	}
}

func TestRecorderTokenMayUpload(t *testing.T) {
	e := newEnv(t)
	ts := e.start()
	body := multipartBody(part{name: "metadata", body: goodMetadata}, part{name: "audio", body: "RIFF"})
	req := newUpload(t, ts.URL, multipartType, strings.NewReader(body))
	req.Header.Set("Authorization", "bearer "+recorderSecret) // the scheme is case-insensitive
	resp, raw := do(t, req)
	ingestAnswer(t, resp, raw, http.StatusCreated)
}

func TestPermissionsTable(t *testing.T) {
	tok := func(role callvault.Role) *callvault.Principal {
		return &callvault.Principal{Kind: callvault.PrincipalToken, Roles: []callvault.Role{role}}
	}
	tests := []struct {
		route string
		role  callvault.Role
		want  bool
	}{
		{routeIngest, callvault.RoleRecorder, true},
		{routeIngest, callvault.RoleAuditor, false},
		{routeIngest, callvault.RoleManager, false}, // a manager controls live calls, never adds recordings
		{routePause, callvault.RoleManager, true},
		{routeResume, callvault.RoleManager, true},
		{routePause, callvault.RoleAuditor, false},
		{routeIngest, "", false},
		{routeRecordingAudio, callvault.RoleManager, false},     // tokens never listen
		{"GET /api/v1/unlisted", callvault.RoleRecorder, false}, // unlisted routes are closed
	}
	rules := &access.Rules{}
	for _, tt := range tests {
		action, ok := routeActions[tt.route]
		got := ok && rules.Permits(tok(tt.role), action).Allow
		if got != tt.want {
			t.Errorf("%s for a %q token: allowed %t, want %t", tt.route, tt.role, got, tt.want)
		}
	}
	for route := range publicRoutes {
		if _, ok := routeActions[route]; ok {
			t.Errorf("public route %s also has an action", route)
		}
	}
}

// TestSecretsStayOutOfLogs checks that neither the token nor the query string reaches the log,
// and that the access log names the actor.
func TestSecretsStayOutOfLogs(t *testing.T) {
	e := newEnv(t)
	body := multipartBody(part{name: "metadata", body: goodMetadata}, part{name: "audio", body: "RIFF"})
	for _, secret := range []string{recorderSecret, auditorSecret, "cv_wrong-secret"} {
		req := newUpload(t, "http://127.0.0.1", multipartType, strings.NewReader(body))
		req.URL.RawQuery = "api_key=query-secret"
		req.Header.Set("Authorization", "Bearer "+secret)
		e.server.Handler().ServeHTTP(httptest.NewRecorder(), req)
	}
	logs := e.logs.String()
	for _, secret := range []string{recorderSecret, auditorSecret, "cv_wrong-secret", "query-secret",
		strings.TrimPrefix(recorderSecret, "cv_")} {
		if strings.Contains(logs, secret) {
			t.Errorf("log contains %q:\n%s", secret, logs)
		}
	}
	for _, want := range []string{`"actor":"token:pbx-1"`, `"actor":"token:siem"`, `"status":201`,
		`"status":403`, `"status":401`, `"path":"/api/v1/recordings"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %s:\n%s", want, logs)
		}
	}
}
