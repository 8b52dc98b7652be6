package main

import (
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
)

// A disciplinary release over HTTP: the bundle is refused until the DPO or a live delegate
// agrees in writing; a manager without a delegation cannot agree (and learns nothing); with the
// DPO's delegation the manager's agreement is flagged as delegated and the bundle is made; a
// change to the included recordings needs a new agreement; a revoked delegation agrees to
// nothing; every agreement is audited.
func TestDisciplinaryReleaseNeedsWrittenAgreement(t *testing.T) {
	v := startVault(t)
	v.bootstrap(t, "dan")
	v.addUser(t, "dora", "dpo")
	v.addUser(t, "mia", "manager")
	token := createTokenArgs(t, v.stores, "recorder", "pbx")
	wav, _ := makeWAV(t, audio.PCMFormat(8000, 1), 1)
	var recs []string
	for i, start := range []string{"2026-10-01T09:00:00Z", "2026-10-02T09:00:00Z"} {
		body, ct := multipartBody(part{name: "metadata", contentType: "application/json", body: metaJSON("d"+string(rune('0'+i)), map[string]any{"started_at": start, "ended_at": nil})},
			part{name: "audio", filename: "call.wav", contentType: "audio/wav", body: wav})
		r := upload(t, v.url, token, body, ct)
		if r.status != 201 {
			t.Fatalf("upload: %d %s", r.status, r.raw)
		}
		recs = append(recs, r.body["id"].(string))
	}
	dora, mia := v.signIn(t, "dora"), v.signIn(t, "mia")
	dora.enrolTOTP()
	mia.enrolTOTP()

	st, out := dora.call("POST", "/api/v1/cases", map[string]any{"type": "disciplinary", "received_at": "2026-10-03",
		"subjects": map[string]any{"numbers": []string{"07700 900123"}}})
	if st != 201 {
		t.Fatalf("open: %d %v", st, out)
	}
	id := out["id"].(string)
	if st, out := dora.call("POST", "/api/v1/cases/"+id+"/search", map[string]any{}); st != 200 || len(foundIDs(t, out)) != 2 {
		t.Fatalf("search: %d %v", st, out)
	}
	include := func(rid string) {
		t.Helper()
		if st, out := dora.call("POST", "/api/v1/cases/"+id+"/recordings", map[string]any{"recording_id": rid, "include": true, "reason": "the call in question"}); st != 200 {
			t.Fatalf("include: %d %v", st, out)
		}
	}
	bundle := func() int {
		t.Helper()
		resp := dora.do("POST", "/api/v1/cases/"+id+"/bundle", nil, nil)
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	agree := func(c *client, statement string) (int, map[string]any) {
		return c.call("POST", "/api/v1/cases/"+id+"/agreement", map[string]any{"statement": statement})
	}
	include(recs[0])
	if st := bundle(); st != 403 {
		t.Errorf("a disciplinary bundle without agreement: %d, want 403", st)
	}
	if st, out := agree(mia, "I agree"); st != 404 {
		t.Errorf("a manager without a delegation agreed: %d %v", st, out)
	}
	if st, out := agree(dora, " "); st != 400 {
		t.Errorf("an agreement without a statement: %d %v", st, out)
	}
	st, out = dora.call("POST", "/api/v1/delegations", map[string]any{"delegate": "mia",
		"until": v.clock.now().Add(24 * time.Hour).Format(time.RFC3339), "statement": "Mia agrees disciplinary releases while I am away"})
	if st != 201 {
		t.Fatalf("delegation: %d %v", st, out)
	}
	delegation := out["id"].(string)
	st, out = agree(mia, "I agree to release this call to the disciplinary panel")
	if st != 200 {
		t.Fatalf("the delegate's agreement: %d %v", st, out)
	}
	ag, _ := out["agreements"].([]any)
	if len(ag) != 1 || ag[0].(map[string]any)["delegated"] != true || ag[0].(map[string]any)["actor"] != "user:mia" {
		t.Errorf("agreements: %v", out["agreements"])
	}
	if st := bundle(); st != 200 {
		t.Errorf("the bundle after the delegate's agreement: %d", st)
	}
	// Another recording is included: the agreement no longer covers what would be released.
	include(recs[1])
	if st := bundle(); st != 403 {
		t.Errorf("a bundle of recordings nobody agreed to release: %d, want 403", st)
	}
	if st, out := dora.call("POST", "/api/v1/delegations/"+delegation+"/revoke", map[string]any{}); st != 200 {
		t.Fatalf("revoke: %d %v", st, out)
	}
	if st, out := agree(mia, "I agree again"); st != 404 {
		t.Errorf("a revoked delegate agreed: %d %v", st, out)
	}
	if st, out := agree(dora, "I agree to release both calls"); st != 200 {
		t.Fatalf("the DPO's agreement: %d %v", st, out)
	}
	if st := bundle(); st != 200 {
		t.Errorf("the bundle after the DPO's agreement: %d", st)
	}
	var agreed []string
	for _, e := range v.events(t) {
		if e.Action == callvault.ActionCaseAgree {
			agreed = append(agreed, e.Actor)
			if e.Actor == "user:mia" && !strings.Contains(string(e.Detail), "delegated_authority") {
				t.Errorf("the delegate's agreement is not flagged: %s", e.Detail)
			}
		}
	}
	if !slices.Equal(agreed, []string{"user:mia", "user:dora"}) {
		t.Errorf("case.agree events by %v", agreed)
	}
}
