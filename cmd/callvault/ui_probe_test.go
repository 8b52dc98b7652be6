package main

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/callvault/callvault"
)

// TestPageErrorProbes sends the pages what a careless or hostile browser might: unknown
// addresses, wrong methods, malformed and huge forms, IDs that are not IDs, impossible dates,
// paths that climb out. Every answer is a page a person understands (an <h1>, no stack trace
// or Go error), with the strict Content-Security-Policy and no-store, never a 500.
func TestPageErrorProbes(t *testing.T) {
	v := startVault(t)
	v.bootstrap(t, "dan")
	v.addUser(t, "dora", "dpo")
	v.addUser(t, "al", "auditor")
	dora, al := v.signIn(t, "dora"), v.signIn(t, "al")
	dora.enrolTOTP()
	id := callvault.NewID()
	huge := "note=" + strings.Repeat("a", 12<<20)
	for _, p := range []struct {
		who          *client
		method, path string
		body         string
		want         int
	}{
		{v.client(t), "GET", "/no/such/page", "", 404},
		{v.client(t), "DELETE", "/login", "", 405},
		{dora, "PUT", "/cases", "", 405},
		{dora, "GET", "/logout", "", 405},
		{dora, "GET", "/cases/not-an-id", "", 404},
		{dora, "GET", "/cases/not-an-id/agreement", "", 404},
		{dora, "GET", "/cases/" + id + "/agreement", "", 404},
		{dora, "GET", "/cases?due=%00%ff", "", 400},
		{dora, "POST", "/cases", "type=%zz&received_at=%", 400},
		{dora, "POST", "/cases", "type=subject_access&received_at=99/99/9999", 400},
		{dora, "POST", "/cases", huge, 400},
		{dora, "POST", "/holds/not-an-id/release", "", 404},
		{dora, "POST", "/cases/" + id + "/holds", "recording_id=../../etc&review_at=31/02/2026", 404},
		{dora, "GET", "/reports/inbound?from=99/99/9999&until=x", "", 400},
		{dora, "GET", "/pci?from=2026-13-45", "", 400},
		{dora, "GET", "/grants/" + id + "/waveform/..%2f..%2f", "", 404},
		{al, "GET", "/audit?after=-1&from=yesterday", "", 400},
		{v.client(t), "GET", "/listen/not-an-id/secret", "", 404},
	} {
		req, _ := http.NewRequest(p.method, v.url+p.path, strings.NewReader(p.body))
		if p.body != "" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := noRedirect(p.who).Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", p.method, p.path, err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		h := resp.Header
		if resp.StatusCode != p.want {
			t.Errorf("%s %.60s: %d, want %d\n%.300s", p.method, p.path, resp.StatusCode, p.want, page)
		}
		if !strings.HasPrefix(h.Get("Content-Type"), "text/html") || !strings.Contains(string(page), "<h1>") {
			t.Errorf("%s %.60s: not a page (%s): %.200s", p.method, p.path, h.Get("Content-Type"), page)
		}
		// The listening page allows no script at all (default-src 'none').
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") && !(strings.Contains(csp, "default-src 'none'") && !strings.Contains(csp, "script-src")) || strings.Contains(csp, "unsafe") {
			t.Errorf("%s %.60s: CSP %q", p.method, p.path, csp)
		}
		if h.Get("Cache-Control") != "no-store" {
			t.Errorf("%s %.60s: Cache-Control %q", p.method, p.path, h.Get("Cache-Control"))
		}
		for _, leak := range []string{"goroutine", "panic", "runtime error", "sql:", ".go:"} {
			if strings.Contains(string(page), leak) {
				t.Errorf("%s %.60s: the page shows %q", p.method, p.path, leak)
			}
		}
	}
}
