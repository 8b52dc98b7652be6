package httpserver

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/callvault/callvault"
)

func TestHealthAndReadiness(t *testing.T) {
	e := newEnv(t)
	ts := e.start()
	get := func(path string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, ts.URL+path, nil)
		resp, body := do(t, req)
		return resp, string(body)
	}

	resp, body := get("/healthz")
	if resp.StatusCode != 200 || body != `{"status":"ok"}`+"\n" || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("/healthz = %d %q (%s)", resp.StatusCode, body, resp.Header.Get("Content-Type"))
	}
	resp, body = get("/readyz")
	if resp.StatusCode != 200 || body != `{"status":"ok"}`+"\n" {
		t.Errorf("/readyz ready = %d %q", resp.StatusCode, body)
	}

	e.ready = callvault.WrapError(callvault.KindUnavailable, errors.New("dial postgres://admin@db-7/secret"), "catalogue down")
	resp, body = get("/readyz")
	if resp.StatusCode != 503 || body != `{"status":"unavailable"}`+"\n" {
		t.Errorf("/readyz unready = %d %q, want 503 and nothing else", resp.StatusCode, body)
	}
	if !strings.Contains(e.logs.String(), "db-7/secret") {
		t.Errorf("readiness failure not logged: %s", e.logs.String())
	}
	for name, v := range resp.Header {
		if strings.Contains(strings.Join(v, " "), "9.9.9") || name == "Server" {
			t.Errorf("health answer reveals %s: %v", name, v)
		}
	}
}

func TestUnknownRouteAndWrongMethod(t *testing.T) {
	e := newEnv(t)
	ts := e.start()
	tests := []struct {
		method, path string
		status       int
		allow        string
		detail       string
	}{
		{"GET", "/nope", 404, "", "no such endpoint"},
		{"GET", "/api/v1/recordings/x/y", 404, "", "no such endpoint"},
		{"GET", "/api/v1/recordings", 405, "POST", "method GET is not allowed"},
		{"DELETE", "/api/v1/recordings", 405, "POST", "allowed: POST"},
		{"POST", "/healthz", 405, "GET, HEAD", "method POST is not allowed"},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, ts.URL+tt.path, strings.NewReader("ignored"))
		resp, body := do(t, req)
		checkProblem(t, resp, body, tt.status, tt.detail)
		if got := resp.Header.Get("Allow"); got != tt.allow {
			t.Errorf("%s %s: Allow = %q, want %q", tt.method, tt.path, got, tt.allow)
		}
	}
}

func TestPanicIsRecovered(t *testing.T) {
	e := newEnv(t)
	e.archive.ingest = func(ctx context.Context, req callvault.IngestRequest) (*callvault.Recording, bool, error) {
		panic("boom: nil map in archive")
	}
	ts := e.start()
	body := multipartBody(part{name: "metadata", body: goodMetadata}, part{name: "audio", body: "RIFF"})
	resp, raw := do(t, newUpload(t, ts.URL, multipartType, strings.NewReader(body)))
	p := checkProblem(t, resp, raw, http.StatusInternalServerError, "internal error")
	if strings.Contains(string(raw), "boom") {
		t.Errorf("answer reveals the panic: %s", raw)
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "boom: nil map in archive") || !strings.Contains(logs, p.RequestID) ||
		!strings.Contains(logs, "goroutine") {
		t.Errorf("panic not logged with request id and stack: %s", logs)
	}
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/healthz", nil)
	if resp, _ := do(t, req); resp.StatusCode != 200 {
		t.Errorf("after a panic /healthz = %d", resp.StatusCode)
	}
}

func TestRequestIDAndSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	hex32 := regexp.MustCompile(`^[0-9a-f]{32}$`)
	tests := []struct {
		path, incoming string
		want           func(string) bool
	}{
		{"/healthz", "", hex32.MatchString},
		{"/nope", "", hex32.MatchString},
		{"/healthz", "lb-4f2a:17.3", func(id string) bool { return id == "lb-4f2a:17.3" }},
		{"/healthz", "bad id\nwith newline", hex32.MatchString},
		{"/healthz", strings.Repeat("a", maxRequestIDLen+1), hex32.MatchString},
		{"/healthz", `"><script>`, hex32.MatchString},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		req := httptest.NewRequest(http.MethodGet, tt.path, nil)
		if tt.incoming != "" {
			req.Header.Set(requestIDHeader, tt.incoming)
		}
		rec := httptest.NewRecorder()
		e.server.Handler().ServeHTTP(rec, req)
		h := rec.Result().Header
		id := h.Get(requestIDHeader)
		if !tt.want(id) || seen[id] {
			t.Errorf("%s with incoming %q: request id %q", tt.path, tt.incoming, id)
		}
		seen[id] = true
		if !strings.Contains(e.logs.String(), `"request_id":"`+id+`"`) {
			t.Errorf("access log lacks request id %s", id)
		}
		for name, want := range map[string]string{
			"X-Content-Type-Options":  "nosniff",
			"Cache-Control":           "no-store",
			"Referrer-Policy":         "no-referrer",
			"Content-Security-Policy": "default-src 'none'",
		} {
			if got := h.Get(name); !strings.HasPrefix(got, want) {
				t.Errorf("%s: %s = %q, want %q", tt.path, name, got, want)
			}
		}
	}
}

// TestEarlyRejectionIsReadable sends a large body that the server refuses before reading it;
// the client must get the answer, not a connection reset.
func TestEarlyRejectionIsReadable(t *testing.T) {
	e := newEnv(t)
	ts := e.start()
	big := strings.Repeat("x", 8<<20)
	for _, expect := range []bool{false, true} {
		req := newUpload(t, ts.URL, multipartType, strings.NewReader(big))
		req.Header.Set("Authorization", "Bearer cv_wrong")
		if expect {
			req.Header.Set("Expect", "100-continue")
		}
		resp, raw := do(t, req)
		checkProblem(t, resp, raw, http.StatusUnauthorized, "invalid or revoked")
		if !resp.Close {
			t.Errorf("expect %t: a refused 8 MiB body should close the connection", expect)
		}
	}
}

func TestServeAndShutdown(t *testing.T) {
	e := newEnv(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- e.server.Serve(ln) }()

	resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("/healthz = %d", resp.StatusCode)
	}
	if err := e.server.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Serve returned %v, want http.ErrServerClosed", err)
	}
	if e.server.srv.ReadTimeout != 0 || e.server.srv.WriteTimeout != 0 || e.server.srv.ReadHeaderTimeout == 0 ||
		e.server.srv.IdleTimeout == 0 {
		t.Errorf("timeouts: read %v write %v header %v idle %v; want only header and idle set",
			e.server.srv.ReadTimeout, e.server.srv.WriteTimeout, e.server.srv.ReadHeaderTimeout, e.server.srv.IdleTimeout)
	}
}
