package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
	"github.com/callvault/callvault/internal/twilio"
)

const (
	testAccount = "AC0123456789abcdef0123456789abcdef"
	testToken   = "test-auth-token-0123456789"
)

// fakeProvider plays the provider's REST API: recordings as WAV (with the account's
// credentials only), the Call resource, deletions; it fails the first fetch of each recording
// when failFirst is set, and everything while down.
type fakeProvider struct {
	*httptest.Server
	t         *testing.T
	wav       []byte
	mu        sync.Mutex
	failFirst bool
	down      bool
	fetches   map[string]int
	deleted   map[string]bool
	calls     map[string][2]string // CallSid -> From, To
}

func newFakeProvider(t *testing.T, wav []byte) *fakeProvider {
	p := &fakeProvider{t: t, wav: wav, fetches: map[string]int{}, deleted: map[string]bool{}, calls: map[string][2]string{}}
	p.Server = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.Close)
	return p
}

func (p *fakeProvider) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if u, pw, ok := r.BasicAuth(); !ok || u != testAccount || pw != testToken {
		http.Error(w, "bad credentials", http.StatusUnauthorized)
		return
	}
	if p.down {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	prefix := "/2010-04-01/Accounts/" + testAccount + "/"
	rest, ok := strings.CutPrefix(r.URL.Path, prefix)
	switch {
	case !ok:
		http.NotFound(w, r)
	case r.Method == http.MethodGet && strings.HasPrefix(rest, "Recordings/") && strings.HasSuffix(rest, ".wav"):
		sid := strings.TrimSuffix(strings.TrimPrefix(rest, "Recordings/"), ".wav")
		p.fetches[sid]++
		if p.failFirst && p.fetches[sid] == 1 {
			http.Error(w, "try later", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "audio/x-wav")
		w.Write(p.wav)
	case r.Method == http.MethodGet && strings.HasPrefix(rest, "Calls/"):
		sid := strings.TrimSuffix(strings.TrimPrefix(rest, "Calls/"), ".json")
		c := p.calls[sid]
		json.NewEncoder(w).Encode(map[string]string{"sid": sid, "from": c[0], "to": c[1], "direction": "inbound",
			"start_time": time.Now().Add(-time.Hour).Format(time.RFC1123Z)})
	case r.Method == http.MethodDelete && strings.HasPrefix(rest, "Recordings/"):
		p.deleted[strings.TrimSuffix(strings.TrimPrefix(rest, "Recordings/"), ".json")] = true
		w.WriteHeader(http.StatusNoContent)
	default:
		http.NotFound(w, r)
	}
}

func (p *fakeProvider) set(f func(p *fakeProvider)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(p)
}

type jobEvent struct {
	key, outcome string
	err          error
}

func startTwilioServer(t *testing.T, data string, p *fakeProvider, events chan<- jobEvent) *server {
	return startServerWith(t, func(m *Main) {
		m.onTwilioJob = func(j *callvault.ImportJob, outcome string, err error) { events <- jobEvent{j.Key, outcome, err} }
	}, "--data", data, "--twilio-account-sid", testAccount, "--twilio-auth-token", testToken,
		"--twilio-api-base", p.URL, "--twilio-retry", "20ms", "--twilio-delete", "true", "--unrecorded", "+442079460999")
}

func sidN(prefix string, n int) string { return fmt.Sprintf("%s%032x", prefix, n) }

// callback posts a recording status callback, signed with token, and returns the status.
func callback(t *testing.T, s *server, p *fakeProvider, n int, from, to, token string) int {
	t.Helper()
	callSid, recSid := sidN("CA", n), sidN("RE", n)
	p.set(func(p *fakeProvider) { p.calls[callSid] = [2]string{from, to} })
	form := url.Values{
		"AccountSid": {testAccount}, "CallSid": {callSid}, "RecordingSid": {recSid},
		"RecordingUrl":    {p.URL + "/2010-04-01/Accounts/" + testAccount + "/Recordings/" + recSid},
		"RecordingStatus": {"completed"}, "RecordingDuration": {"1"}, "RecordingChannels": {"2"},
		"RecordingStartTime": {time.Now().Add(-10 * time.Minute).Truncate(time.Second).Format(time.RFC1123Z)},
		"RecordingSource":    {"DialVerb"},
	}
	u := s.url + "/api/v1/webhooks/twilio/recording?announcement=yes"
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", twilio.Signature(token, u, form))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func waitJob(t *testing.T, events <-chan jobEvent, key string) jobEvent {
	t.Helper()
	for {
		select {
		case ev := <-events:
			if ev.key == key {
				return ev
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("no attempt for %s", key)
		}
	}
}

func TestTwilioWebhook(t *testing.T) {
	wav, _ := makeWAV(t, audio.PCMFormat(8000, 2), 0.2)
	p := newFakeProvider(t, wav)
	p.set(func(p *fakeProvider) { p.failFirst = true })
	data := t.TempDir()
	events := make(chan jobEvent, 100)
	s := startTwilioServer(t, data, p, events)
	ctx := context.Background()
	store := s.main.Catalogue.(callvault.ImportJobStore)

	// A bad signature: 403 and nothing stored.
	if code := callback(t, s, p, 1, "+447700900123", "+442079460000", "wrong-token"); code != http.StatusForbidden {
		t.Fatalf("bad signature: status %d, want 403", code)
	}
	if _, err := store.ImportJobByKey(ctx, twilio.JobKind, sidN("RE", 1)); !callvault.IsKind(err, callvault.KindNotFound) {
		t.Fatalf("a job was queued for a bad signature: %v", err)
	}

	// A valid one: the first fetch fails, the retry stores it.
	if code := callback(t, s, p, 1, "+447700900123", "+442079460000", testToken); code != http.StatusNoContent {
		t.Fatalf("valid callback: status %d, want 204", code)
	}
	if ev := waitJob(t, events, sidN("RE", 1)); ev.outcome != "" || ev.err == nil || !strings.Contains(ev.err.Error(), "500") {
		t.Fatalf("first attempt %+v, want a failure the provider caused", ev)
	}
	if ev := waitJob(t, events, sidN("RE", 1)); ev.outcome != callvault.ImportImported {
		t.Fatalf("second attempt %+v, want imported", ev)
	}
	r, err := s.main.Catalogue.RecordingBySource(ctx, callvault.SourceImport, "twilio/"+sidN("RE", 1))
	if err != nil {
		t.Fatal(err)
	}
	if r.Direction != callvault.DirectionInbound || r.Line != "+442079460000" || r.AnnouncementPlayed != callvault.AnnouncementYes ||
		r.Channels != 2 || len(r.ExternalNumbers) != 1 || r.ExternalNumbers[0].E164 != "+447700900123" ||
		r.Attributes[twilio.AttrCallSid] != sidN("CA", 1) || r.Attributes[twilio.AttrRecordingSid] != sidN("RE", 1) ||
		r.Attributes[twilio.AttrChannels] != "2" || len(r.Parties) != 2 || r.Parties[1].Number.E164 != "+442079460000" {
		t.Errorf("stored %+v", r)
	}
	if j, err := store.ImportJobByKey(ctx, twilio.JobKind, sidN("RE", 1)); err != nil || j.RecordingID != r.ID || j.Attempts != 2 {
		t.Errorf("job %+v, %v", j, err)
	}
	p.set(func(p *fakeProvider) {
		if p.fetches[sidN("RE", 1)] != 2 || !p.deleted[sidN("RE", 1)] {
			t.Errorf("provider saw %d fetches, deleted %v; want 2 and deleted after storing", p.fetches[sidN("RE", 1)], p.deleted[sidN("RE", 1)])
		}
	})

	// The provider delivers the callback again: nothing new.
	if code := callback(t, s, p, 1, "+447700900123", "+442079460000", testToken); code != http.StatusNoContent {
		t.Fatalf("duplicate callback: status %d, want 204", code)
	}
	if j, _ := store.ImportJobByKey(ctx, twilio.JobKind, sidN("RE", 1)); j.Attempts != 2 {
		t.Errorf("the duplicate ran the job again: %+v", j)
	}
	if rs, _ := s.main.Catalogue.ListRecordings(ctx, "", 100); len(rs) != 1 {
		t.Errorf("%d recordings after a duplicate callback, want 1", len(rs))
	}

	// A call to the unrecorded (payment) line is refused, named, and audited.
	callback(t, s, p, 2, "+447700900123", "+442079460999", testToken)
	if ev := waitJob(t, events, sidN("RE", 2)); ev.outcome != callvault.ImportRefused || !strings.Contains(ev.err.Error(), sidN("CA", 2)) ||
		!strings.Contains(ev.err.Error(), "unrecorded line") {
		t.Fatalf("payment line call: %+v, want refused naming the call and the reason", ev)
	}
	if _, err := s.main.Catalogue.RecordingBySource(ctx, callvault.SourceImport, "twilio/"+sidN("RE", 2)); !callvault.IsKind(err, callvault.KindNotFound) {
		t.Errorf("the payment line call was stored: %v", err)
	}
	p.set(func(p *fakeProvider) {
		if p.fetches[sidN("RE", 2)] != 0 {
			t.Error("the payment line call's audio was fetched")
		}
	})
	evs, _ := s.main.Catalogue.AuditEvents(ctx, 0, 1000)
	refused := 0
	for _, ev := range evs {
		if ev.Action == callvault.ActionImportRefused && ev.Object == "twilio:"+sidN("RE", 2) && strings.Contains(ev.Detail, "unrecorded line") {
			refused++
		}
	}
	if refused != 1 {
		t.Errorf("%d import.refused events for the payment line call, want 1", refused)
	}

	// A fetch pending at a restart is completed by the next start.
	p.set(func(p *fakeProvider) { p.down = true })
	callback(t, s, p, 3, "+447700900124", "+442079460000", testToken)
	if ev := waitJob(t, events, sidN("RE", 3)); ev.outcome != "" {
		t.Fatalf("attempt while the provider is down: %+v", ev)
	}
	s.stop()
	p.set(func(p *fakeProvider) { p.down = false })
	s2 := startTwilioServer(t, data, p, events)
	for {
		if ev := waitJob(t, events, sidN("RE", 3)); ev.outcome == callvault.ImportImported {
			break
		}
	}
	if _, err := s2.main.Catalogue.RecordingBySource(ctx, callvault.SourceImport, "twilio/"+sidN("RE", 3)); err != nil {
		t.Errorf("the pending fetch was not completed after the restart: %v", err)
	}
}
