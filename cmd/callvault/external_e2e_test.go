package main

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
	"testing"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
)

// An external body's case over HTTP: opening needs the body and the legal basis (and takes the
// officer and the body's reference), other types refuse them; closing needs the DPO's decision
// and reasoning, consistent with what was disclosed; the case records exactly what was
// disclosed as the SHA-256 of the bundle's manifest, and every step is audited.
func TestExternalBodyCaseRecordsDecisionAndDisclosure(t *testing.T) {
	v := startVault(t)
	v.bootstrap(t, "dan")
	v.addUser(t, "dora", "dpo")
	token := createTokenArgs(t, v.stores, "recorder", "pbx")
	wav, _ := makeWAV(t, audio.PCMFormat(8000, 1), 1)
	body, ct := multipartBody(part{name: "metadata", contentType: "application/json", body: metaJSON("x1", map[string]any{"started_at": "2026-10-01T09:00:00Z", "ended_at": nil})},
		part{name: "audio", filename: "call.wav", contentType: "audio/wav", body: wav})
	r := upload(t, v.url, token, body, ct)
	if r.status != 201 {
		t.Fatalf("upload: %d %s", r.status, r.raw)
	}
	rid := r.body["id"].(string)
	dora := v.signIn(t, "dora")
	dora.enrolTOTP()

	ext := map[string]any{"body": "Avon and Somerset Police", "officer": "DC 1234 Smith", "reference": "ASP/2026/0042",
		"legal_basis": "DPA 2018 Schedule 2 paragraph 2"}
	open := func(typ string, ext any) (int, map[string]any) {
		in := map[string]any{"type": typ, "received_at": "2026-10-02", "subjects": map[string]any{"numbers": []string{"07700 900123"}}}
		if ext != nil {
			in["external"] = ext
		}
		return dora.call("POST", "/api/v1/cases", in)
	}
	for _, c := range []struct {
		typ   string
		ext   any
		field string
	}{
		{"external_body", nil, "external"},
		{"external_body", map[string]any{"officer": "DC 1234 Smith"}, "external.body"},
		{"external_body", map[string]any{"body": "Avon and Somerset Police"}, "external.legal_basis"},
		{"external_body", map[string]any{"body": strings.Repeat("x", 501), "legal_basis": "x"}, "external.body"},
		{"complaint", ext, "external"},
	} {
		if st, out := open(c.typ, c.ext); st != 400 || !strings.Contains(problemText(out), c.field) {
			t.Errorf("open %s with %v: %d %v, want 400 naming %s", c.typ, c.ext, st, out, c.field)
		}
	}
	st, out := open("external_body", ext)
	if st != 201 {
		t.Fatalf("open: %d %v", st, out)
	}
	id := out["id"].(string)
	if got, _ := out["external"].(map[string]any); got["body"] != ext["body"] || got["officer"] != ext["officer"] ||
		got["reference"] != ext["reference"] || got["legal_basis"] != ext["legal_basis"] {
		t.Errorf("the case's external request: %v", out["external"])
	}
	closeCase := func(in map[string]any) (int, map[string]any) {
		return dora.call("POST", "/api/v1/cases/"+id+"/close", in)
	}
	// Nothing disclosed yet: disclose is refused; a decision needs its reasoning.
	for _, c := range []struct {
		in    map[string]any
		field string
	}{
		{map[string]any{"outcome": "done"}, "decision"},
		{map[string]any{"outcome": "done", "decision": "disclose", "reasoning": "s.29 applies"}, "decision"},
		{map[string]any{"outcome": "done", "decision": "maybe", "reasoning": "x"}, "decision"},
		{map[string]any{"outcome": "done", "decision": "refuse"}, "reasoning"},
	} {
		if st, out := closeCase(c.in); st != 400 || !strings.Contains(problemText(out), c.field) {
			t.Errorf("close %v: %d %v, want 400 naming %s", c.in, st, out, c.field)
		}
	}
	if st, out := dora.call("POST", "/api/v1/cases/"+id+"/search", map[string]any{}); st != 200 || len(foundIDs(t, out)) != 1 {
		t.Fatalf("search: %d %v", st, out)
	}
	if st, out := dora.call("POST", "/api/v1/cases/"+id+"/recordings", map[string]any{"recording_id": rid, "include": true, "reason": "the call the police asked for"}); st != 200 {
		t.Fatalf("include: %d %v", st, out)
	}
	resp := dora.do("POST", "/api/v1/cases/"+id+"/bundle", nil, nil)
	zipBytes, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("bundle: %d %v", resp.StatusCode, err)
	}
	want := manifestSHA256(t, zipBytes)

	if st, out := closeCase(map[string]any{"outcome": "done", "decision": "refuse", "reasoning": "no"}); st != 400 || !strings.Contains(problemText(out), "decision") {
		t.Errorf("refuse after a disclosure: %d %v", st, out)
	}
	st, out = closeCase(map[string]any{"outcome": "disclosed to the police", "decision": "disclose",
		"reasoning": "the crime exemption applies: not disclosing would prejudice the investigation"})
	if st != 200 {
		t.Fatalf("close: %d %v", st, out)
	}
	got, _ := out["external"].(map[string]any)
	if got["decision"] != "disclose" || !strings.Contains(got["reasoning"].(string), "crime exemption") || got["decided_by"] != "user:dora" || got["legal_basis"] != ext["legal_basis"] {
		t.Errorf("the closed case's external record: %v", got)
	}
	ds, _ := out["disclosures"].([]any)
	if len(ds) != 1 {
		t.Fatalf("disclosures: %v", out["disclosures"])
	}
	d := ds[0].(map[string]any)
	if d["manifest_sha256"] != want || d["actor"] != "user:dora" || len(d["recordings"].([]any)) != 1 || d["recordings"].([]any)[0] != rid {
		t.Errorf("disclosure %v, want manifest sha256 %s of recording %s", d, want, rid)
	}
	// Once closed, an external body's case discloses nothing more.
	if st, _ := dora.call("POST", "/api/v1/cases/"+id+"/bundle", map[string]any{}); st != 409 {
		t.Errorf("bundle of a closed external_body case: %d, want 409", st)
	}
	// Other types take no decision.
	st, out = open("complaint", nil)
	if st != 201 {
		t.Fatalf("open complaint: %d %v", st, out)
	}
	if st, out := dora.call("POST", "/api/v1/cases/"+out["id"].(string)+"/close", map[string]any{"outcome": "done", "decision": "disclose"}); st != 400 {
		t.Errorf("a complaint closed with a decision: %d %v", st, out)
	}
	evs := v.events(t)
	found := false
	for _, e := range evs {
		if e.Action == callvault.ActionCaseDisclosed && e.Object == "case:"+id && strings.Contains(string(e.Detail), want) {
			found = true
		}
	}
	if !found {
		t.Errorf("no case.disclosed event with the manifest's hash")
	}
}

// manifestSHA256 returns the hex SHA-256 of a bundle's manifest.json.
func manifestSHA256(t *testing.T, b []byte) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == "manifest.json" {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			m, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(m)
			return hex.EncodeToString(sum[:])
		}
	}
	t.Fatal("the bundle has no manifest.json")
	return ""
}
