package main

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
	"github.com/callvault/callvault/internal/mailtest"
)

// A member of staff flags a call they took as abusive over HTTP: an abusive_call case opens for
// the DPO (who is e-mailed), holding the flag (who gave the extension) and a search that found
// the call on that extension within the window and nothing else; the flagger gets the reference
// only and can reach neither the case, nor the desk, nor the recording's audio; bad flags are
// refused field by field; an auditor may not flag; every step is audited.
func TestStaffFlagsAbusiveCall(t *testing.T) {
	mp := mailtest.New(t, mailtest.Options{})
	v := startVault(t, "--smtp", "smtp://"+mp.SMTPAddr+"?from=callvault@vault.example.org", "--public-url", "https://vault.example.org")
	v.bootstrap(t, "dan")
	v.addMailUser(t, "dora", "dora@example.org", "dpo")
	v.addUser(t, "sam", "staff")
	v.addUser(t, "al", "auditor")
	token := createTokenArgs(t, v.stores, "recorder", "pbx")
	wav, _ := makeWAV(t, audio.PCMFormat(8000, 1), 1)
	ingest := func(sourceID, start, ext string) string {
		body, ct := multipartBody(part{name: "metadata", contentType: "application/json",
			body: metaJSON(sourceID, map[string]any{"started_at": start, "ended_at": nil, "extension": ext})},
			part{name: "audio", filename: "call.wav", contentType: "audio/wav", body: wav})
		r := upload(t, v.url, token, body, ct)
		if r.status != 201 {
			t.Fatalf("upload %s: %d %s", sourceID, r.status, r.raw)
		}
		return r.body["id"].(string)
	}
	abusive := ingest("a1", "2026-10-01T09:05:00Z", "201")
	ingest("a2", "2026-10-01T09:06:00Z", "202") // another extension
	ingest("a3", "2026-10-01T12:00:00Z", "201") // the same extension, hours later

	sam := v.signIn(t, "sam")
	for _, bad := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"extension": "201"}, "call_time"},
		{map[string]any{"call_time": "yesterday", "extension": "201"}, "call_time"},
		{map[string]any{"call_time": v.clock.now().Add(time.Hour).Format(time.RFC3339), "extension": "201"}, "call_time"},
		{map[string]any{"call_time": "2026-10-01T09:10:00Z"}, "extension"},
		{map[string]any{"call_time": "2026-10-01T09:10:00Z", "extension": "201; drop"}, "extension"},
		{map[string]any{"call_time": "2026-10-01T09:10:00Z", "extension": "201", "note": strings.Repeat("x", 4001)}, "note"},
	} {
		if st, out := sam.call("POST", "/api/v1/cases/flag", bad.body); st != 400 || !strings.Contains(problemText(out), bad.field) {
			t.Errorf("flag %v: %d %v, want 400 naming %s", bad.body, st, out, bad.field)
		}
	}
	if st, out := v.signIn(t, "al").call("POST", "/api/v1/cases/flag", map[string]any{"call_time": "2026-10-01T09:10:00Z", "extension": "201"}); st != 403 {
		t.Errorf("an auditor flagged a call: %d %v", st, out)
	}
	st, out := sam.call("POST", "/api/v1/cases/flag", map[string]any{"call_time": "2026-10-01T09:10:00Z", "extension": "201", "note": "caller shouted abuse"})
	if st != 201 {
		t.Fatalf("flag: %d %v", st, out)
	}
	ref, _ := out["reference"].(string)
	if !strings.HasPrefix(ref, "ABU-") || len(out) != 2 || out["flagged_at"] == nil {
		t.Errorf("the flagger got %v; want the reference and flagged_at only", out)
	}
	for _, k := range []string{"id", "recordings", "searches", "flag"} {
		if _, ok := out[k]; ok {
			t.Errorf("the flagger's answer holds %q", k)
		}
	}

	// The DPO is told, as for any case.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := mp.WaitMessages(ctx, 1); err != nil {
		t.Fatal(err)
	}
	msgs, err := mp.Messages(ctx)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("messages: %d, %v", len(msgs), err)
	}
	msg, err := mp.Message(ctx, msgs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if rcpt := msg.Recipients(); len(rcpt) != 1 || rcpt[0] != "dora@example.org" || !strings.Contains(msg.Subject+msg.Text, ref) {
		t.Errorf("flag mail to %v: %s", rcpt, msg.Subject)
	}

	// The DPO sees the case with the flag and the search; the flagger sees nothing of it.
	dora := v.signIn(t, "dora")
	dora.enrolTOTP()
	st, list := dora.call("GET", "/api/v1/cases", nil)
	if st != 200 || !slices.Equal(caseRefs(list), []string{ref}) {
		t.Fatalf("the DPO's desk: %d %v", st, list)
	}
	id := list["cases"].([]any)[0].(map[string]any)["id"].(string)
	st, c := dora.call("GET", "/api/v1/cases/"+id, nil)
	if st != 200 || c["type"] != "abusive_call" || c["opened_by"] != "user:sam" {
		t.Fatalf("the case: %d %v", st, c)
	}
	flag, _ := c["flag"].(map[string]any)
	if flag["extension"] != "201" || flag["by"] != "user:sam" || flag["note"] != "caller shouted abuse" || flag["call_time"] != "2026-10-01T09:10:00Z" {
		t.Errorf("the case's flag: %v", flag)
	}
	searches, _ := c["searches"].([]any)
	if len(searches) != 1 {
		t.Fatalf("the case's searches: %v", c["searches"])
	}
	if found, _ := searches[0].(map[string]any)["found"].([]any); len(found) != 1 || found[0] != abusive {
		t.Errorf("the flag's search found %v, want only %s", found, abusive)
	}
	// The DPO can include the flagged call straight away.
	if st, out := dora.call("POST", "/api/v1/cases/"+id+"/recordings", map[string]any{"recording_id": abusive, "include": true, "reason": "the flagged call"}); st != 200 {
		t.Errorf("include the flagged call: %d %v", st, out)
	}
	for _, path := range []string{"/api/v1/cases/" + id, "/api/v1/recordings/" + abusive, "/api/v1/recordings/" + abusive + "/audio"} {
		if st, out := sam.call("GET", path, nil); st != 404 && st != 403 {
			t.Errorf("the flagger reached %s: %d %v", path, st, out)
		}
	}
	if st, _ := sam.call("GET", "/api/v1/cases", nil); st != 403 {
		t.Errorf("the flagger listed the desk: %d", st)
	}

	evs := v.events(t)
	if countActions(evs, callvault.ActionCaseFlag) != 1 {
		t.Errorf("case.flag audited %d times, want 1", countActions(evs, callvault.ActionCaseFlag))
	}
	for _, e := range evs {
		if e.Action == callvault.ActionCaseFlag && (e.Actor != "user:sam" || strings.Contains(string(e.Detail), "shouted")) {
			t.Errorf("flag event %+v: want actor user:sam and no note", e)
		}
	}
}
