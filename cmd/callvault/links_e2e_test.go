package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
)

// listener is the requester's browser: a cookie jar and nothing else.
type listener struct {
	t    *testing.T
	base string
	c    *http.Client
}

func (l *listener) get(path string, header http.Header) (int, []byte) {
	l.t.Helper()
	req, _ := http.NewRequest("GET", l.base+path, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := l.c.Do(req)
	if err != nil {
		l.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.Header.Get("Referrer-Policy") != "no-referrer" {
		l.t.Errorf("GET %s: Referrer-Policy %q", path, resp.Header.Get("Referrer-Policy"))
	}
	return resp.StatusCode, b
}

func (l *listener) passcode(path, code string) (int, []byte) {
	l.t.Helper()
	resp, err := l.c.PostForm(l.base+path, url.Values{"passcode": {code}})
	if err != nil {
		l.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// A listening link over HTTP: it asks for the passcode, shows only the case's included
// recordings (nothing else about the organisation), plays within the limit (a Range
// continuation is not a new play), and is refused past the limit, for a recording outside the
// case, with a wrong passcode (locked after five), after revocation and after expiry, for a
// recording excluded from the case since the link was issued, and once the case is closed;
// every play and refusal is audited and the log verifies.
func TestListeningLinkEndToEnd(t *testing.T) {
	v := startVault(t, "--public-url", "https://vault.example.org")
	v.bootstrap(t, "dan")
	v.addUser(t, "dora", "dpo")
	token := createToken(t, v.data, "recorder", "pbx")
	wav, _ := makeWAV(t, audio.PCMFormat(8000, 1), 1)
	ingest := func(sourceID, start, number string) string {
		body, ct := multipartBody(part{name: "metadata", contentType: "application/json", body: metaJSON(sourceID, map[string]any{
			"started_at": start, "ended_at": nil, "external_number": number,
			"parties": []map[string]string{{"name": "Jane Doe", "number": number, "role": "caller"}}})},
			part{name: "audio", filename: "call.wav", contentType: "audio/wav", body: wav})
		r := upload(t, v.url, token, body, ct)
		if r.status != 201 {
			t.Fatalf("upload %s: %d %s", sourceID, r.status, r.raw)
		}
		return r.body["id"].(string)
	}
	recs := []string{ingest("a", "2026-10-01T09:00:00Z", "07700 900123"), ingest("b", "2026-10-02T09:00:00Z", "07700 900123")}
	outside := ingest("c", "2026-10-03T09:00:00Z", "07700 900999")

	dora := v.signIn(t, "dora")
	dora.enrolTOTP()
	st, out := dora.call("POST", "/api/v1/cases", map[string]any{"type": "subject_access", "received_at": v.clock.now().Format(time.RFC3339),
		"subjects": map[string]any{"numbers": []string{"+447700900123"}}})
	if st != 201 {
		t.Fatalf("open: %d %v", st, out)
	}
	id := out["id"].(string)
	if st, out := dora.call("POST", "/api/v1/cases/"+id+"/links", map[string]any{}); st != 409 {
		t.Errorf("a link before anything is included: %d %v", st, out)
	}
	if st, out := dora.call("POST", "/api/v1/cases/"+id+"/search", map[string]any{}); st != 200 {
		t.Fatalf("search: %d %v", st, out)
	}
	for _, rid := range recs {
		if st, out := dora.call("POST", "/api/v1/cases/"+id+"/recordings", map[string]any{"recording_id": rid, "include": true, "reason": "the requester's call"}); st != 200 {
			t.Fatalf("include: %d %v", st, out)
		}
	}
	issue := func(in map[string]any) (string, string) {
		t.Helper()
		st, out := dora.call("POST", "/api/v1/cases/"+id+"/links", in)
		if st != 201 {
			t.Fatalf("issue link %v: %d %v", in, st, out)
		}
		u := out["url"].(string)
		if !regexp.MustCompile(`^https://vault\.example\.org/listen/` + id + `/[A-Za-z0-9_-]{43}$`).MatchString(u) {
			t.Fatalf("link url %q", u)
		}
		return out["id"].(string), strings.TrimPrefix(u, "https://vault.example.org")
	}
	if st, out := dora.call("POST", "/api/v1/cases/"+id+"/links", map[string]any{"passcode": "123", "max_plays": -1}); st != 400 {
		t.Errorf("bad link fields: %d %v", st, out)
	}
	link1, path1 := issue(map[string]any{"passcode": "sesame-42", "max_plays": 2})
	_, path2 := issue(map[string]any{"passcode": "other-pass"})
	_, path3 := issue(map[string]any{"expires_in_days": 1})

	anon := func() *listener {
		c := v.client(t)
		return &listener{t: t, base: v.url, c: c.http}
	}
	l := anon()
	if st, page := l.get(path1, nil); st != 401 || !bytes.Contains(page, []byte(`name="passcode"`)) {
		t.Fatalf("page without the passcode: %d %s", st, page)
	}
	if st, _ := l.passcode(path1, "wrong-one"); st != 401 {
		t.Errorf("a wrong passcode: %d", st)
	}
	st, page := l.passcode(path1, "sesame-42")
	if st != 200 {
		t.Fatalf("the right passcode: %d %s", st, page)
	}
	for _, rid := range recs {
		if !bytes.Contains(page, []byte(path1+"/"+rid)) {
			t.Errorf("the page has no audio of %s:\n%s", rid, page)
		}
	}
	for _, leak := range []string{outside, "07700", "900123", "Jane", "201", "<script", "callvault"} {
		if bytes.Contains(page, []byte(leak)) {
			t.Errorf("the listening page shows %q", leak)
		}
	}
	if st, b := l.get(path1+"/"+recs[0], nil); st != 200 || !bytes.Equal(b, wav) {
		t.Errorf("play 1: %d, %d bytes (want the %d stored)", st, len(b), len(wav))
	}
	if st, b := l.get(path1+"/"+recs[0], http.Header{"Range": {"bytes=100-"}}); st != 206 || !bytes.Equal(b, wav[100:]) {
		t.Errorf("a Range continuation: %d, %d bytes", st, len(b))
	}
	if st, _ := l.get(path1+"/"+recs[1], nil); st != 200 {
		t.Errorf("play 2: %d", st)
	}
	if st, _ := l.get(path1+"/"+recs[0], nil); st != 403 {
		t.Errorf("play 3 past the limit of 2: %d", st)
	}
	if st, _ := l.get(path1+"/"+outside, http.Header{"Range": {"bytes=5-"}}); st != 404 {
		t.Errorf("a recording outside the case: %d", st)
	}
	if st, _ := anon().get(path1+"/"+recs[1], http.Header{"Range": {"bytes=5-"}}); st != 401 {
		t.Errorf("audio without the passcode: %d", st)
	}

	// Five wrong passcodes lock the link; then even the right one is refused for a while.
	l2 := anon()
	for i := range 5 {
		if st, _ := l2.passcode(path2, "guess-"+string(rune('a'+i))); st != 401 {
			t.Errorf("wrong passcode %d: %d", i+1, st)
		}
	}
	if st, page := l2.passcode(path2, "other-pass"); st != 403 || !bytes.Contains(page, []byte("too many wrong passcodes")) {
		t.Errorf("the right passcode on a locked link: %d %s", st, page)
	}

	st, out = dora.call("POST", "/api/v1/cases/"+id+"/links/"+link1+"/revoke", map[string]any{})
	if st != 200 {
		t.Fatalf("revoke: %d %v", st, out)
	}
	if b, _ := json.Marshal(out); bytes.Contains(b, []byte("hash")) || !bytes.Contains(b, []byte(`"revoked_at"`)) {
		t.Errorf("the case as the API shows it holds link hashes, or no revocation: %s", b)
	}
	if st, _ := l.get(path1, nil); st != 404 {
		t.Errorf("a revoked link: %d", st)
	}
	if st, _ := anon().get(path3, nil); st != 200 {
		t.Errorf("a link without passcode: %d", st)
	}
	v.clock.add(25 * time.Hour)
	if st, _ := anon().get(path3, nil); st != 404 {
		t.Errorf("an expired link: %d", st)
	}

	// A recording excluded from the case after a link was issued leaves the link; once the case
	// closes, its links end.
	dora.login("dora") // the clock moved past the session
	_, path4 := issue(map[string]any{})
	if st, out := dora.call("POST", "/api/v1/cases/"+id+"/recordings", map[string]any{"recording_id": recs[1], "include": false, "reason": "a third party's call after all"}); st != 200 {
		t.Fatalf("exclude: %d %v", st, out)
	}
	if st, page := anon().get(path4, nil); st != 200 || !bytes.Contains(page, []byte(path4+"/"+recs[0])) || bytes.Contains(page, []byte(recs[1])) {
		t.Errorf("the page after an exclusion: %d %s", st, page)
	}
	if st, _ := anon().get(path4+"/"+recs[1], nil); st != 404 {
		t.Errorf("playing a recording excluded since the link was issued: %d", st)
	}
	if st, b := anon().get(path4+"/"+recs[0], nil); st != 200 || !bytes.Equal(b, wav) {
		t.Errorf("playing a recording still included: %d", st)
	}
	if st, out := dora.call("POST", "/api/v1/cases/"+id+"/close", map[string]any{"outcome": "recordings heard by the requester"}); st != 200 {
		t.Fatalf("close: %d %v", st, out)
	}
	if st, _ := anon().get(path4, nil); st != 404 {
		t.Errorf("the link of a closed case opens: %d", st)
	}
	if st, _ := anon().get(path4+"/"+recs[0], nil); st != 404 {
		t.Errorf("the link of a closed case plays: %d", st)
	}

	evs := v.events(t)
	for action, want := range map[string]int{callvault.ActionCaseLinkIssue: 4, callvault.ActionCaseLinkPlay: 3, callvault.ActionCaseLinkAudio: 4, callvault.ActionCaseLinkRevoke: 1} {
		if n := countActions(evs, action); n != want {
			t.Errorf("%d %s events, want %d", n, action, want)
		}
	}
	var reasons []string
	for _, e := range evs {
		if e.Action == callvault.ActionCaseLinkRefuse {
			reasons = append(reasons, string(e.Detail))
		}
	}
	for _, r := range []string{"wrong passcode", "play limit reached", "recording outside the link", "link locked", "locked", "revoked", "expired", "recording excluded from the case", "case closed"} {
		if !slices.ContainsFunc(reasons, func(d string) bool { return strings.Contains(d, `"`+r+`"`) || strings.Contains(d, r) }) {
			t.Errorf("no refusal audited for %q: %v", r, reasons)
		}
	}
	v.server.stop()
	if code, out, e := cli(t, append([]string{"audit", "verify"}, v.stores...)...); code != 0 {
		t.Errorf("audit verify = %d\n%s%s", code, out, e)
	}
}
