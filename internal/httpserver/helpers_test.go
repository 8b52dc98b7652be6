package httpserver

import (
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/callvault/callvault"
)

const (
	recorderSecret = "cv_recorder-secret-0123456789abcdef"
	auditorSecret  = "cv_auditor-secret-0123456789abcdef"
	managerSecret  = "cv_manager-secret-0123456789abcdef"
	testBoundary   = "XBOUNDARYX"
	testMaxUpload  = 4096
	goodMetadata   = `{"source":"upload","source_id":"call-1"}`
)

// env is a server with fakes behind it.
type env struct {
	t       *testing.T
	archive *fakeArchive
	tokens  *fakeTokens
	logs    *logBuffer
	server  *Server
	ready   error
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, archive: newFakeArchive(), tokens: &fakeTokens{byHash: map[string]*callvault.Token{}},
		logs: &logBuffer{}}
	e.tokens.add(recorderSecret, "pbx-1", callvault.RoleRecorder)
	e.tokens.add(auditorSecret, "siem", callvault.RoleAuditor)
	e.tokens.add(managerSecret, "supervisor", callvault.RoleManager)
	e.server = New(Config{
		Archive:        e.archive,
		Tokens:         e.tokens,
		Ready:          func(ctx context.Context) error { return e.ready },
		DecodeMetadata: decodeFakeMetadata,
		MaxUploadBytes: testMaxUpload,
		Logger:         e.logs.logger(),
		Version:        "v9.9.9-test",
	})
	return e
}

// start serves the env on a loopback httptest server.
func (e *env) start() *httptest.Server {
	e.t.Helper()
	ts := httptest.NewServer(e.server.Handler())
	e.t.Cleanup(ts.Close)
	return ts
}

// part is one multipart part; header, if set, replaces the Content-Disposition line.
type part struct {
	name, body, header string
}

// multipartBody builds a body by hand, so tests control every byte, malformed ones included.
func multipartBody(parts ...part) string {
	var b strings.Builder
	for _, p := range parts {
		b.WriteString("--" + testBoundary + "\r\n")
		if p.header != "" {
			b.WriteString(p.header + "\r\n")
		} else {
			b.WriteString(`Content-Disposition: form-data; name="` + p.name + `"` + "\r\n")
		}
		b.WriteString("\r\n" + p.body + "\r\n")
	}
	b.WriteString("--" + testBoundary + "--\r\n")
	return b.String()
}

const multipartType = "multipart/form-data; boundary=" + testBoundary

// newUpload returns an upload request for url with the recorder token.
func newUpload(t *testing.T, url, contentType string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+"/api/v1/recordings", body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Authorization", "Bearer "+recorderSecret)
	return req
}

// do sends req and returns the response and its body.
func do(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	return resp, body
}

// checkProblem asserts that an answer is a problem document with status and a detail
// containing wantDetail, and returns it.
func checkProblem(t *testing.T, resp *http.Response, body []byte, status int, wantDetail string) problem {
	t.Helper()
	if resp.StatusCode != status {
		t.Errorf("status = %d, want %d; body %s", resp.StatusCode, status, body)
	}
	if ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); ct != "application/problem+json" {
		t.Errorf("Content-Type = %q, want application/problem+json", resp.Header.Get("Content-Type"))
	}
	var p problem
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("problem body %q: %v", body, err)
	}
	if p.Status != status || p.Title != http.StatusText(status) || !strings.HasPrefix(p.Type, problemTypeBase) {
		t.Errorf("problem = %+v, want status %d, title %q, type under %s", p, status, http.StatusText(status), problemTypeBase)
	}
	if !strings.Contains(p.Detail, wantDetail) {
		t.Errorf("detail = %q, want it to contain %q", p.Detail, wantDetail)
	}
	if p.RequestID == "" || p.RequestID != resp.Header.Get(requestIDHeader) {
		t.Errorf("request_id = %q, header %q: want equal and set", p.RequestID, resp.Header.Get(requestIDHeader))
	}
	return p
}
