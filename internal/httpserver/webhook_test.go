package httpserver

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/callvault/callvault"
)

// fakeWebhook records what it received and answers err.
type fakeWebhook struct {
	url  string
	form url.Values
	sig  string
	err  error
	n    int
}

func (f *fakeWebhook) Receive(ctx context.Context, fullURL string, form url.Values, sig string) error {
	f.url, f.form, f.sig = fullURL, form, sig
	f.n++
	return f.err
}

func webhookServer(t *testing.T, wh RecordingWebhook, base string) *httptest.Server {
	t.Helper()
	s := New(Config{Archive: newFakeArchive(), Tokens: &fakeTokens{byHash: map[string]*callvault.Token{}},
		TwilioWebhook: wh, WebhookBaseURL: base, Logger: (&logBuffer{}).logger()})
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return ts
}

func postForm(t *testing.T, u, contentType, body string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-Twilio-Signature", "sig=")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func TestRecordingWebhook(t *testing.T) {
	wh := &fakeWebhook{}
	ts := webhookServer(t, wh, "")
	const form = "application/x-www-form-urlencoded"
	u := ts.URL + routeTwilioRecordingPath + "?announcement=yes"
	if code := postForm(t, u, form, "CallSid=CA1&RecordingSid=RE1"); code != http.StatusNoContent {
		t.Fatalf("status %d, want 204", code)
	}
	if wh.url != u || wh.form.Get("CallSid") != "CA1" || wh.sig != "sig=" {
		t.Errorf("received %q %v %q", wh.url, wh.form, wh.sig)
	}
	// No token is needed, but a bad signature is 403; other refusals keep their kinds.
	wh.err = callvault.Errorf(callvault.KindForbidden, "bad signature")
	if code := postForm(t, u, form, "a=b"); code != http.StatusForbidden {
		t.Errorf("bad signature: status %d, want 403", code)
	}
	wh.err = nil
	n := wh.n
	if code := postForm(t, u, "application/json", `{}`); code != http.StatusBadRequest {
		t.Errorf("JSON body: status %d, want 400", code)
	}
	if code := postForm(t, u, form, strings.Repeat("a", maxWebhookBytes+1)); code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: status %d, want 413", code)
	}
	if code := postForm(t, u, form, "%zz"); code != http.StatusBadRequest {
		t.Errorf("malformed form: status %d, want 400", code)
	}
	if wh.n != n {
		t.Errorf("refused requests reached the receiver")
	}
	// Behind a proxy that rewrites the host, the configured public URL is what was signed.
	wh2 := &fakeWebhook{}
	ts2 := webhookServer(t, wh2, "https://vault.example.org/")
	postForm(t, ts2.URL+routeTwilioRecordingPath+"?x=1", form, "a=b")
	if wh2.url != "https://vault.example.org"+routeTwilioRecordingPath+"?x=1" {
		t.Errorf("URL behind a proxy = %q", wh2.url)
	}
}

func TestRecordingWebhookOffWithoutConfig(t *testing.T) {
	ts := webhookServer(t, nil, "")
	if code := postForm(t, ts.URL+routeTwilioRecordingPath, "application/x-www-form-urlencoded", "a=b"); code != http.StatusNotFound {
		t.Errorf("status %d, want 404 when no webhook is configured", code)
	}
}
