package httpserver

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/access"
)

// FuzzDecodeJSON: any body decodes into the request types or fails with a client error (400 or
// 413) whose message never echoes more than a bounded excerpt.
func FuzzDecodeJSON(f *testing.F) {
	f.Add(`{"username":"sam","password":"x","totp":"123456"}`)
	f.Add(`{"statement":"ok","recording_ids":["a"],"expires_at":"2026-13-01T00:00:00Z","download":true}`)
	f.Add(`{"purpose":"complaint","parties":"Jane"}`)
	f.Add(`{"x":1}{"y":2}`)
	f.Add(``)
	f.Fuzz(func(t *testing.T, body string) {
		for _, v := range []any{&loginBody{}, &access.RequestInput{}, &access.ApproveInput{}, &access.DelegationInput{}} {
			req := httptest.NewRequest("POST", "/x", strings.NewReader(body))
			err := decodeJSON(httptest.NewRecorder(), req, v)
			if err == nil {
				continue
			}
			if s := callvault.HTTPStatus(err); s != 400 && s != 413 {
				t.Fatalf("status %d for %q: %v", s, body, err)
			}
			if len(callvault.ErrorMessage(err)) > 400 {
				t.Fatalf("message of %d bytes", len(callvault.ErrorMessage(err)))
			}
		}
	})
}
