package main

import (
	"slices"
	"testing"

	"github.com/callvault/callvault/internal/audio"
)

// A case's subject search finds a name case- and accent-insensitively over HTTP: "jose garcia"
// finds the calls of "José García" however the PBX wrote it (precomposed, in capitals, with
// combining accents) and not those of another person; the name typed with accents finds the same.
func TestCaseSearchNamesIgnoreAccents(t *testing.T) {
	v := startVault(t)
	v.bootstrap(t, "dan")
	v.addUser(t, "dora", "dpo")
	token := createTokenArgs(t, v.stores, "recorder", "pbx")
	wav, _ := makeWAV(t, audio.PCMFormat(8000, 1), 1)
	ingest := func(sourceID, name string) string {
		body, ct := multipartBody(part{name: "metadata", contentType: "application/json", body: metaJSON(sourceID, map[string]any{
			"started_at": "2026-10-01T09:00:00Z", "ended_at": nil, "external_number": nil,
			"parties": []map[string]string{{"name": name, "role": "caller"}}})},
			part{name: "audio", filename: "call.wav", contentType: "audio/wav", body: wav})
		r := upload(t, v.url, token, body, ct)
		if r.status != 201 {
			t.Fatalf("upload %s: %d %s", sourceID, r.status, r.raw)
		}
		return r.body["id"].(string)
	}
	want := []string{ingest("a1", "José García"), ingest("a2", "JOSÉ GARCÍA"), ingest("a3", "Jose\u0301 Garci\u0301a")}
	slices.Sort(want)
	ingest("b1", "Josefa García")
	ingest("b2", "Jane Doe")

	dora := v.signIn(t, "dora")
	dora.enrolTOTP()
	st, out := dora.call("POST", "/api/v1/cases", map[string]any{"type": "subject_access", "received_at": "2026-10-02",
		"subjects": map[string]any{"names": []string{"jose garcia"}}})
	if st != 201 {
		t.Fatalf("open: %d %v", st, out)
	}
	id := out["id"].(string)
	for _, name := range []string{"jose garcia", "JOSE GARCIA", "José García", "Jose\u0301 Garci\u0301a"} {
		st, out := dora.call("POST", "/api/v1/cases/"+id+"/search", map[string]any{"names": []string{name}})
		if st != 200 {
			t.Fatalf("search %q: %d %v", name, st, out)
		}
		if got := foundIDs(t, out); !slices.Equal(got, want) {
			t.Errorf("search %q found %v, want the three calls of José García %v", name, got, want)
		}
	}
}
