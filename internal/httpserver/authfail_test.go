package httpserver

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

func TestOnAuthFailure(t *testing.T) {
	e := newEnv(t)
	var mu sync.Mutex
	var calls []string
	e.server = New(Config{Archive: e.archive, Tokens: e.tokens, DecodeMetadata: decodeFakeMetadata, Logger: e.logs.logger(),
		OnAuthFailure: func(ctx context.Context, addr string) { mu.Lock(); calls = append(calls, addr); mu.Unlock() }})
	ts := httptest.NewServer(e.server.Handler())
	defer ts.Close()
	for _, auth := range []string{"", "Bearer cv_wrong-secret", "Bearer " + auditorSecret} {
		req := newUpload(t, ts.URL, "multipart/form-data; boundary="+testBoundary, strings.NewReader(""))
		req.Header.Del("Authorization")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, _ := do(t, req)
		if resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusForbidden {
			t.Fatalf("%q: status %d", auth, resp.StatusCode)
		}
	}
	// Only the wrong secret counts: a missing token is not a guess, a wrong role is not a failure
	// of authentication.
	if len(calls) != 1 || calls[0] != "127.0.0.1" {
		t.Errorf("OnAuthFailure calls %q, want one from 127.0.0.1", calls)
	}
}
