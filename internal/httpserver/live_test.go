package httpserver

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/callvault/callvault"
)

type fakeLive struct {
	mu     sync.Mutex
	paused map[string]bool
	calls  []string
}

func (f *fakeLive) set(session string, actor callvault.Actor, pause bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.paused[session]
	switch {
	case !ok:
		return callvault.Errorf(callvault.KindNotFound, "no live session %q", session)
	case p == pause:
		return callvault.Errorf(callvault.KindConflict, "session %q is already in that state", session)
	}
	f.paused[session] = pause
	f.calls = append(f.calls, string(actor))
	return nil
}

func (f *fakeLive) Pause(_ context.Context, s string, a callvault.Actor) error {
	return f.set(s, a, true)
}
func (f *fakeLive) Resume(_ context.Context, s string, a callvault.Actor) error {
	return f.set(s, a, false)
}

func TestLivePauseResume(t *testing.T) {
	e := newEnv(t)
	live := &fakeLive{paused: map[string]bool{"call-1@pbx": false}}
	e.server = New(Config{Archive: e.archive, Tokens: e.tokens, DecodeMetadata: decodeFakeMetadata, Live: live, Logger: e.logs.logger()})
	ts := httptest.NewServer(e.server.Handler())
	defer ts.Close()
	post := func(path, secret string) (*http.Response, []byte) {
		req, _ := http.NewRequest("POST", ts.URL+path, nil)
		if secret != "" {
			req.Header.Set("Authorization", "Bearer "+secret)
		}
		return do(t, req)
	}
	cases := []struct {
		path, secret string
		status       int
		detail       string
	}{
		{"/api/v1/live/call-1@pbx/pause", "", 401, "token"},
		{"/api/v1/live/call-1@pbx/pause", auditorSecret, 403, "auditor"},
		{"/api/v1/live/unknown/pause", recorderSecret, 404, "no live session"},
		{"/api/v1/live/call-1@pbx/pause", recorderSecret, 200, ""},
		{"/api/v1/live/call-1@pbx/pause", recorderSecret, 409, "already"},
		{"/api/v1/live/call-1@pbx/resume", recorderSecret, 200, ""},
		{"/api/v1/live/call-1@pbx/pause", managerSecret, 200, ""},
		{"/api/v1/live/call-1@pbx/resume", managerSecret, 200, ""},
	}
	for _, c := range cases {
		resp, body := post(c.path, c.secret)
		if c.status == 200 {
			if resp.StatusCode != 200 || !strings.Contains(string(body), `"session":"call-1@pbx"`) {
				t.Errorf("%s: %d %s", c.path, resp.StatusCode, body)
			}
			continue
		}
		checkProblem(t, resp, body, c.status, c.detail)
	}
	if len(live.calls) != 4 || live.calls[0] != "token:pbx-1" || live.calls[2] != "token:supervisor" {
		t.Errorf("live control calls by %v, want two by token:pbx-1, then two by token:supervisor", live.calls)
	}
	// Without a LiveControl the routes do not exist.
	ts2 := newEnv(t).start()
	req, _ := http.NewRequest("POST", ts2.URL+"/api/v1/live/x/pause", nil)
	req.Header.Set("Authorization", "Bearer "+recorderSecret)
	resp, body := do(t, req)
	checkProblem(t, resp, body, 404, "no such endpoint")
}
