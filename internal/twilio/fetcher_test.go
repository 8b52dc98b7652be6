package twilio

import (
	"encoding/json"
	"testing"
	"time"
)

func TestProviderURLKeepsCredentialsAtTheAPIBase(t *testing.T) {
	f := &Fetcher{APIBase: "https://api.example.com/"}
	for _, u := range []string{"https://api.example.com/2010-04-01/Accounts/AC1/Recordings/RE1.wav"} {
		if _, err := f.providerURL(u); err != nil {
			t.Errorf("providerURL(%q) = %v", u, err)
		}
	}
	for _, u := range []string{"http://api.example.com/x.wav", "https://evil.example/x.wav", "https://api.example.com.evil/x.wav",
		"https://user@evil.example/x.wav", "//evil.example/x.wav", "::"} {
		if _, err := f.providerURL(u); err == nil {
			t.Errorf("providerURL(%q) accepted a URL elsewhere than the API base", u)
		}
	}
}

func TestDescribe(t *testing.T) {
	start := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	cb := &callback{CallSid: "CA1", RecordingSid: "RE1", RecordingStartTime: start.Format(time.RFC1123Z),
		From: "+442079460000", To: "+447700900123", Direction: "outbound-dial", Announcement: "no"}
	var doc map[string]any
	if err := json.Unmarshal(describe(cb), &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"source": "import", "source_id": "twilio/RE1", "announcement_played": "no",
		"started_at": "2026-11-20T10:00:00Z", "direction": "outbound", "line": "+442079460000",
		"external_numbers": []any{"+447700900123"},
		"parties":          []any{map[string]any{"number": "+442079460000", "role": "caller"}, map[string]any{"number": "+447700900123", "role": "callee"}}}
	for k, v := range want {
		if b1, _ := json.Marshal(doc[k]); string(b1) != mustJSON(v) {
			t.Errorf("%s = %s, want %s", k, b1, mustJSON(v))
		}
	}
	if cb.Announcement = ""; true {
		json.Unmarshal(describe(cb), &doc)
		if doc["announcement_played"] != "unknown" {
			t.Errorf("without evidence: %v, want unknown", doc["announcement_played"])
		}
	}
}

func mustJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestBackoff(t *testing.T) {
	f := &Fetcher{RetryBase: time.Second, RetryMax: time.Minute}
	for attempts, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
		if got := f.backoff(attempts); got != want {
			t.Errorf("backoff(%d) = %s, want %s", attempts, got, want)
		}
	}
	if got := f.backoff(100); got != time.Minute {
		t.Errorf("backoff(100) = %s, want the maximum", got)
	}
}
