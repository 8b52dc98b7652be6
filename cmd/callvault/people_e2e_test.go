package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
	"github.com/callvault/callvault/internal/postgres/pgtest"
)

// TestAccessFlow is the acceptance flow over HTTP against the real server: a Director is
// bootstrapped; staff asks for a call by extension and time; self-approval is refused; a
// manager with TOTP approves a narrowed set with a statement; staff streams with Range (206,
// the original bytes) and gets 404 outside the grant; revocation and expiry stop the stream;
// a disciplinary request is refused to a manager, approved by the DPO's delegate, and refused
// again once the delegation is revoked. Every step is in the hash chain and audit verify passes.
func TestAccessFlow(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testAccessFlow(t) })
	t.Run("postgres", func(t *testing.T) { testAccessFlow(t, "--db", pgtest.NewTestDatabase(t)) })
}

func testAccessFlow(t *testing.T, extra ...string) {
	v := startVault(t, extra...)
	v.bootstrap(t, "dan")
	dan := v.signIn(t, "dan")
	dan.enrolTOTP()
	v.addUser(t, "sam", "staff")
	v.addUser(t, "mia", "manager", "staff")
	v.addUser(t, "dora", "dpo")
	sam, mia, dora := v.signIn(t, "sam"), v.signIn(t, "mia"), v.signIn(t, "dora")
	dora.enrolTOTP()

	// Three calls: two on extension 201 twenty minutes apart, one on 202.
	token := createTokenArgs(t, v.stores, "recorder", "pbx")
	up := func(src, at, ext string) (string, []byte) {
		wav, _ := makeWAV(t, audio.PCMFormat(8000, 2), 3)
		body, ct := multipartBody(part{name: "metadata", contentType: "application/json",
			body: metaJSON(src, map[string]any{"started_at": at, "ended_at": nil, "extension": ext})},
			part{name: "audio", filename: "call.wav", contentType: "audio/wav", body: wav})
		r := upload(t, v.url, token, body, ct)
		if r.status != 201 {
			t.Fatalf("upload %s: %d %s", src, r.status, r.raw)
		}
		return r.body["id"].(string), wav
	}
	recA, wavA := up("a", "2026-11-20T10:00:00Z", "201")
	recB, _ := up("b", "2026-11-20T10:20:00Z", "201")
	recC, _ := up("c", "2026-11-20T10:00:00Z", "202")

	// A bad request lists every bad field.
	st, out := sam.call("POST", "/api/v1/access-requests", map[string]any{"purpose": "curiosity", "call_time": "yesterday"})
	if st != 400 {
		t.Fatalf("bad request: %d %v", st, out)
	}
	var fields []string
	for _, e := range out["errors"].([]any) {
		fields = append(fields, e.(map[string]any)["field"].(string))
	}
	for _, want := range []string{"purpose", "reason", "call_time"} {
		if !slices.Contains(fields, want) {
			t.Errorf("problem lists fields %v, lacks %s", fields, want)
		}
	}

	request := func(c *client, purpose string) string {
		t.Helper()
		st, out := c.call("POST", "/api/v1/access-requests", map[string]any{"purpose": purpose,
			"reason": "customer says the agent promised a refund", "extension": "201",
			"call_from": "2026-11-20T09:50:00Z", "call_to": "2026-11-20T10:30:00Z", "external_number": "07700 900123",
			"parties": []string{"Jane Doe"}})
		if st != 201 || out["id"] == nil {
			t.Fatalf("create request: %d %v", st, out)
		}
		return out["id"].(string)
	}
	req := request(sam, "complaint")
	if st, out := sam.call("GET", "/api/v1/access-requests/"+req, nil); st != 200 || out["matched_recording_ids"] != nil || out["status"] != "pending" {
		t.Errorf("requester sees %d %v; want pending, no matched set", st, out)
	}
	if st, out := sam.call("POST", "/api/v1/access-requests/"+req+"/approve", map[string]any{"statement": "I approve this myself"}); st != 403 {
		t.Errorf("staff approving: %d %v", st, out)
	}
	// A manager without a second factor may not authorise.
	if st, out := mia.call("POST", "/api/v1/access-requests/"+req+"/approve", map[string]any{"statement": "approved for complaint"}); st != 403 || problemType(out) != "second_factor_required" {
		t.Errorf("manager without TOTP approving: %d %v", st, out)
	}
	mia.enrolTOTP()
	own := request(mia, "training")
	if st, out := mia.call("POST", "/api/v1/access-requests/"+own+"/approve", map[string]any{"statement": "approving my own request"}); st != 403 {
		t.Errorf("self-approval: %d %v", st, out)
	}
	st, out = mia.call("GET", "/api/v1/access-requests/"+req, nil)
	matched := fmt.Sprint(out["matched_recording_ids"])
	if st != 200 || !strings.Contains(matched, recA) || !strings.Contains(matched, recB) || strings.Contains(matched, recC) {
		t.Fatalf("authoriser sees %d %v; want matched A and B only", st, out)
	}
	if st, out := mia.call("POST", "/api/v1/access-requests/"+req+"/approve", map[string]any{"statement": "ok", "recording_ids": []string{recC}}); st != 400 || len(out["errors"].([]any)) != 2 {
		t.Errorf("approval widening the set with a short statement: %d %v", st, out)
	}
	st, out = mia.call("POST", "/api/v1/access-requests/"+req+"/approve", map[string]any{
		"statement": "Approved: complaint 4411 needs the first call only", "recording_ids": []string{recA}})
	if st != 200 || out["grant_id"] == nil {
		t.Fatalf("approve: %d %v", st, out)
	}
	grant := out["grant_id"].(string)
	if st, out := mia.call("POST", "/api/v1/access-requests/"+req+"/reject", map[string]any{"statement": "changed my mind now"}); st != 403 && st != 409 {
		t.Errorf("deciding twice: %d %v", st, out)
	}
	st, out = sam.call("GET", "/api/v1/access-requests/"+req, nil)
	if st != 200 || out["grant_id"] != grant || fmt.Sprint(out["recording_ids"]) != "["+recA+"]" || out["statement"] == nil {
		t.Fatalf("requester after approval: %d %v", st, out)
	}

	// Listening: metadata and Range requests under the grant; 404 outside it.
	if st, out := sam.call("GET", "/api/v1/recordings/"+recA, nil); st != 200 {
		t.Errorf("metadata under the grant: %d %v", st, out)
	}
	for _, id := range []string{recB, recC, callvault.NewID(), "not-an-id"} {
		for _, suffix := range []string{"", "/audio"} {
			if st, _ := sam.call("GET", "/api/v1/recordings/"+id+suffix, nil); st != 404 {
				t.Errorf("GET %s%s outside the grant: %d, want 404", id, suffix, st)
			}
		}
	}
	if st, _ := mia.call("GET", "/api/v1/recordings/"+recA+"/audio", nil); st != 404 {
		t.Errorf("the approver listening without a grant of their own: %d", st)
	}
	for i, rng := range []string{"bytes=1000-1999", "bytes=40000-40999", "bytes=200-299"} {
		resp := sam.do("GET", "/api/v1/recordings/"+recA+"/audio", nil, http.Header{"Range": {rng}})
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var lo, hi int
		fmt.Sscanf(rng, "bytes=%d-%d", &lo, &hi)
		if resp.StatusCode != 206 || !bytes.Equal(got, wavA[lo:hi+1]) {
			t.Fatalf("range %d %s: %d, %d bytes, equal %t", i, rng, resp.StatusCode, len(got), bytes.Equal(got, wavA[lo:hi+1]))
		}
		h := resp.Header
		if h.Get("Accept-Ranges") != "bytes" || h.Get("Cache-Control") != "no-store" || !strings.HasPrefix(h.Get("Content-Disposition"), "inline") ||
			h.Get("Content-Type") != "audio/wav" {
			t.Errorf("audio headers %v", h)
		}
	}
	if st, _ := sam.call("GET", "/api/v1/recordings/"+recA+"/audio?download=1", nil); st != 403 {
		t.Errorf("download under a listen-only grant: %d", st)
	}
	if n := countActions(v.events(t), callvault.ActionRecordingListen); n != 1 {
		t.Errorf("%d recording.listen events for three Range requests in one session, want 1", n)
	}
	v.clock.add(6 * time.Minute) // a pause: the next request is a new listening
	resp := sam.do("GET", "/api/v1/recordings/"+recA+"/audio", nil, http.Header{"Range": {"bytes=0-9"}})
	resp.Body.Close()
	evs := v.events(t)
	if n := countActions(evs, callvault.ActionRecordingListen); n != 2 {
		t.Errorf("%d recording.listen events after a pause, want 2", n)
	}
	var ended []string
	for _, e := range evs {
		if e.Action == callvault.ActionRecordingListenEnd {
			ended = append(ended, e.Detail)
		}
	}
	if len(ended) != 1 || !strings.Contains(ended[0], "bytes=40000-40999") || !strings.Contains(ended[0], `"requests":3`) {
		t.Errorf("recording.listen_end events %v; want one listing the three ranges served", ended)
	}

	// Revocation takes effect on the next request.
	if st, out := mia.call("POST", "/api/v1/grants/"+grant+"/revoke", map[string]any{"reason": "complaint settled"}); st != 200 {
		t.Fatalf("revoke: %d %v", st, out)
	}
	if st, _ := sam.call("GET", "/api/v1/recordings/"+recA+"/audio", nil); st != 404 {
		t.Errorf("audio after revocation: %d", st)
	}

	// Expiry: a grant of one hour, then the clock moves two.
	req2 := request(sam, "quality")
	exp := v.clock.now().Add(time.Hour).Format(time.RFC3339)
	if st, out := mia.call("POST", "/api/v1/access-requests/"+req2+"/approve", map[string]any{
		"statement": "quality review of the call", "expires_at": exp, "download": true}); st != 200 {
		t.Fatalf("approve with expiry: %d %v", st, out)
	}
	resp = sam.do("GET", "/api/v1/recordings/"+recA+"/audio?download=1", nil, nil)
	all, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(all, wavA) || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("download: %d, %d bytes", resp.StatusCode, len(all))
	}
	v.clock.add(2 * time.Hour)
	if st, _ := sam.call("GET", "/api/v1/recordings/"+recA+"/audio", nil); st != 404 {
		t.Errorf("audio after expiry: %d", st)
	}

	// Disciplinary: not a manager; the DPO's delegate; not once the delegation is revoked.
	d1, d2 := request(sam, "disciplinary"), request(sam, "disciplinary")
	if st, out := mia.call("POST", "/api/v1/access-requests/"+d1+"/approve", map[string]any{"statement": "manager approves discipline"}); st != 403 {
		t.Errorf("manager approving disciplinary: %d %v", st, out)
	}
	if st, out := dan.call("POST", "/api/v1/access-requests/"+d1+"/approve", map[string]any{"statement": "director approves discipline"}); st != 403 {
		t.Errorf("director without delegation approving disciplinary: %d %v", st, out)
	}
	st, out = dora.call("POST", "/api/v1/delegations", map[string]any{"delegate": "dan",
		"until": v.clock.now().Add(24 * time.Hour).Format(time.RFC3339), "statement": "Dan decides disciplinary requests while I am away"})
	if st != 201 {
		t.Fatalf("delegation: %d %v", st, out)
	}
	delegation := out["id"].(string)
	if st, out := dan.call("POST", "/api/v1/access-requests/"+d1+"/approve", map[string]any{"statement": "Agreed, as the DPO's delegate"}); st != 200 {
		t.Errorf("delegate approving disciplinary: %d %v", st, out)
	}
	if st, out := dora.call("POST", "/api/v1/delegations/"+delegation+"/revoke", nil); st != 200 {
		t.Fatalf("revoke delegation: %d %v", st, out)
	}
	if st, out := dan.call("POST", "/api/v1/access-requests/"+d2+"/approve", map[string]any{"statement": "Agreed, as the DPO's delegate"}); st != 403 {
		t.Errorf("approving after the delegation was revoked: %d %v", st, out)
	}

	// Every step is in the chain with its actor and request id.
	evs = v.events(t)
	for _, a := range []string{callvault.ActionRequestCreate, callvault.ActionRequestApprove, callvault.ActionRecordingListen,
		callvault.ActionRecordingDownload, callvault.ActionRecordingListenEnd, callvault.ActionGrantRevoke, callvault.ActionDelegationCreate,
		callvault.ActionDelegationRevoke, callvault.ActionAccessDenied, callvault.ActionLogin, callvault.ActionTOTPConfirm,
		callvault.ActionNoticeAcknowledge, callvault.ActionUserCreate} {
		n := 0
		for _, e := range evs {
			if e.Action != a {
				continue
			}
			n++
			if e.Actor == "" || (e.RequestID == "" && !strings.HasPrefix(e.Actor, "cli:")) {
				t.Errorf("%s event without actor or request id: %+v", a, e)
			}
		}
		if n == 0 {
			t.Errorf("no %s event", a)
		}
	}
	secrets := []string{pw}
	for _, c := range []*client{dan, mia, dora} {
		if c.totp == "" || len(c.recovery) == 0 {
			t.Fatalf("%s: no TOTP secret or recovery codes kept by the test", c.name)
		}
		secrets = append(append(secrets, c.totp), c.recovery...)
	}
	v.checkNoSecrets(t, secrets...)
	v.stop()
	if code, o, e := cli(t, append([]string{"audit", "verify"}, v.stores...)...); code != 0 {
		t.Fatalf("audit verify: %d\n%s%s", code, o, e)
	}
}

// checkNoSecrets fails if a password, a session cookie, a TOTP secret or a set-password token
// appears in the server's log or in any audit event.
func (v *pvault) checkNoSecrets(t *testing.T, secrets ...string) {
	t.Helper()
	logs := v.log.String()
	var audit strings.Builder
	for _, e := range v.events(t) {
		fmt.Fprintf(&audit, "%s %s %s %s\n", e.Actor, e.Object, e.Purpose, e.Detail)
	}
	for _, s := range append(secrets, callvault.SessionPrefix, callvault.SetupPrefix) {
		if strings.Contains(logs, s) {
			t.Errorf("the log holds %q", s)
		}
		if strings.Contains(audit.String(), s) {
			t.Errorf("the audit log holds %q", s)
		}
	}
}

// TestBruteForce: 20 wrong passwords lock the account, the right password is refused during the
// lockout, the lockout is audited, and no password reaches the log or the audit log.
func TestBruteForce(t *testing.T) {
	v := startVault(t)
	v.addUser(t, "sam", "staff")
	c := v.client(t)
	var wrong []string
	for i := 0; i < 20; i++ {
		p := fmt.Sprintf("guess-number-%02d-xyz", i)
		wrong = append(wrong, p)
		if st, out := c.call("POST", "/api/v1/login", map[string]any{"username": "sam", "password": p}); st != 401 {
			t.Fatalf("wrong password %d: %d %v", i, st, out)
		}
	}
	st, out := c.call("POST", "/api/v1/login", map[string]any{"username": "sam", "password": pw})
	if st != 401 || !strings.Contains(fmt.Sprint(out["detail"]), "locked") {
		t.Fatalf("right password during lockout: %d %v", st, out)
	}
	if n := countActions(v.events(t), callvault.ActionLockout); n != 1 {
		t.Errorf("%d auth.lockout events, want 1", n)
	}
	v.clock.add(16 * time.Minute)
	if st, out := c.call("POST", "/api/v1/login", map[string]any{"username": "sam", "password": pw}); st != 200 {
		t.Errorf("after the lockout: %d %v", st, out)
	}
	v.checkNoSecrets(t, append(wrong, pw)...)
}
