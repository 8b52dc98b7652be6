package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
	"github.com/callvault/callvault/internal/retention"
)

// ingestCall uploads one call of number, started at start, to v and returns its ID.
func (v *pvault) ingestCall(t *testing.T, token, sourceID string, start time.Time, number string) string {
	t.Helper()
	wav, _ := makeWAV(t, audio.PCMFormat(8000, 1), 0.2)
	body, ct := multipartBody(part{name: "metadata", contentType: "application/json", body: metaJSON(sourceID, map[string]any{
		"started_at": start.UTC().Format(time.RFC3339), "ended_at": nil, "external_number": number,
		"parties": []map[string]string{{"name": "Jane Doe", "number": number, "role": "caller"}}})},
		part{name: "audio", filename: "call.wav", contentType: "audio/wav", body: wav})
	r := upload(t, v.url, token, body, ct)
	if r.status != 201 {
		t.Fatalf("upload %s: %d %s", sourceID, r.status, r.raw)
	}
	return r.body["id"].(string)
}

// live reports whether recording id is still in the catalogue.
func (v *pvault) live(t *testing.T, id string) bool {
	t.Helper()
	_, err := v.main.Catalogue.Recording(context.Background(), id)
	if err != nil && !callvault.IsKind(err, callvault.KindNotFound) {
		t.Fatal(err)
	}
	return err == nil
}

// holdIDs returns the IDs of a list of holds in an answer's field.
func holdIDs(out map[string]any, field string) []string {
	var ids []string
	list, _ := out[field].([]any)
	for _, h := range list {
		ids = append(ids, h.(map[string]any)["id"].(string))
	}
	return ids
}

// pastRetention moves the vault's clock past the retention of recordings made now (six months
// by default) and signs c in again, its session having lapsed.
func (v *pvault) pastRetention(c *client) {
	v.clock.add(215 * 24 * time.Hour)
	c.login(c.name)
}

// The holds API over HTTP: the DPO places holds by hand (bad fields and unknown recordings are
// refused, naming the field; several holds on one recording are allowed); past retention, the
// sweep deletes the unheld neighbours and not the held recording, whose overdue review shows on
// the desk; deleting it by hand is refused naming the hold; once every hold is released the
// next sweep deletes it. Every hold and release is audited and the log verifies.
func TestHoldsAPIEndToEnd(t *testing.T) {
	v := startVault(t)
	v.bootstrap(t, "dan")
	v.addUser(t, "dora", "dpo")
	v.addUser(t, "al", "auditor")
	v.addUser(t, "mia", "manager")
	token := createToken(t, v.data, "recorder", "pbx")
	start := v.clock.now().Add(-time.Hour)
	held := v.ingestCall(t, token, "held", start, "07700 900123")
	free := []string{v.ingestCall(t, token, "free1", start, "07700 900124"), v.ingestCall(t, token, "free2", start, "07700 900125")}

	dora := v.signIn(t, "dora")
	dora.enrolTOTP()
	mia := v.signIn(t, "mia")
	mia.enrolTOTP()
	al := v.signIn(t, "al")
	zone := callvault.DefaultZone()
	today := v.clock.now().In(zone)
	review := today.AddDate(0, 1, 0).Format(time.DateOnly)

	for _, bad := range []struct {
		in     map[string]any
		status int
		field  string
	}{
		{map[string]any{}, 400, "recording_id"},
		{map[string]any{"recording_id": held, "reason": "claim 17"}, 400, "review_at"},
		{map[string]any{"recording_id": held, "reason": "claim 17", "review_at": "2027-02-30"}, 400, "review_at"},
		{map[string]any{"recording_id": held, "reason": "claim 17", "review_at": "next week"}, 400, "review_at"},
		{map[string]any{"recording_id": held, "reason": "claim 17", "review_at": today.AddDate(0, 0, -1).Format(time.DateOnly)}, 400, "review_at"},
		{map[string]any{"recording_id": held, "reason": "claim 17", "review_at": v.clock.now().Add(-time.Minute).Format(time.RFC3339)}, 400, "review_at"},
		{map[string]any{"recording_id": held, "reason": "  ", "review_at": review}, 400, "reason"},
		{map[string]any{"recording_id": callvault.NewID(), "reason": "claim 17", "review_at": review}, 404, ""},
	} {
		st, out := dora.call("POST", "/api/v1/holds", bad.in)
		if st != bad.status || !strings.Contains(problemText(out), bad.field) {
			t.Errorf("POST /api/v1/holds %v: %d %v; want %d naming %q", bad.in, st, out, bad.status, bad.field)
		}
	}
	if st, out := mia.call("POST", "/api/v1/holds", map[string]any{"recording_id": held, "reason": "claim 17", "review_at": review}); st != 403 {
		t.Errorf("a manager places a hold: %d %v", st, out)
	}
	st, h1 := dora.call("POST", "/api/v1/holds", map[string]any{"recording_id": held, "reason": "claim 17", "review_at": review})
	if st != 201 {
		t.Fatalf("place: %d %v", st, h1)
	}
	for _, f := range []string{"id", "recording_id", "reason", "review_at", "placed_by", "placed_at"} {
		if h1[f] == nil || h1[f] == "" {
			t.Errorf("the placed hold has no %s: %v", f, h1)
		}
	}
	wantReview, _ := time.ParseInLocation(time.DateOnly, review, zone)
	if h1["recording_id"] != held || h1["placed_by"] != "user:dora" || h1["review_at"] != wantReview.UTC().Format(time.RFC3339) {
		t.Errorf("the placed hold: %v (review %s)", h1, wantReview.UTC().Format(time.RFC3339))
	}
	// A second hold on the same recording (a date and time this time) is allowed.
	st, h2 := dora.call("POST", "/api/v1/holds", map[string]any{"recording_id": held, "reason": "police enquiry 9",
		"review_at": v.clock.now().Add(60 * 24 * time.Hour).Format(time.RFC3339)})
	if st != 201 {
		t.Fatalf("a second hold: %d %v", st, h2)
	}
	id1, id2 := h1["id"].(string), h2["id"].(string)

	if st, out := al.call("GET", "/api/v1/holds", nil); st != 200 || len(holdIDs(out, "holds")) != 2 {
		t.Errorf("the auditor lists holds: %d %v", st, out)
	}
	if st, out := al.call("GET", "/api/v1/holds?recording_id="+free[0], nil); st != 200 || len(holdIDs(out, "holds")) != 0 {
		t.Errorf("holds of an unheld recording: %d %v", st, out)
	}
	if st, out := dora.call("GET", "/api/v1/holds?review=overdue", nil); st != 200 || len(holdIDs(out, "holds")) != 0 {
		t.Errorf("overdue reviews before the date: %d %v", st, out)
	}
	if st, out := dora.call("GET", "/api/v1/holds?review=soon", nil); st != 400 || !strings.Contains(problemText(out), "review") {
		t.Errorf("an unknown filter: %d %v", st, out)
	}
	if st, out := dora.call("GET", "/api/v1/cases", nil); st != 200 || out["hold_reviews"] == nil || len(holdIDs(out, "hold_reviews")) != 0 {
		t.Errorf("the desk before any review is due: %d %v", st, out)
	}

	// Past retention (and past both review dates): the sweep deletes the neighbours only, and
	// the desk asks the DPO to review both holds.
	v.pastRetention(dora)
	al.login("al")
	mia.login("mia")
	runJob(t, v.main, retention.LeaseName)
	for _, id := range free {
		if v.live(t, id) {
			t.Errorf("unheld recording %s survived the sweep", id)
		}
	}
	if !v.live(t, held) {
		t.Fatalf("the held recording was deleted")
	}
	st, desk := dora.call("GET", "/api/v1/cases", nil)
	if got := holdIDs(desk, "hold_reviews"); st != 200 || len(got) != 2 || desk["cases"] == nil {
		t.Errorf("the desk past the review dates: %d %v", st, desk)
	}
	if st, out := dora.call("GET", "/api/v1/cases?due=hold_review", nil); st != 200 || len(holdIDs(out, "hold_reviews")) != 2 || len(out["cases"].([]any)) != 0 {
		t.Errorf("the desk's hold_review filter: %d %v", st, out)
	}
	if st, out := dora.call("GET", "/api/v1/cases?due=stopped", nil); st != 200 || len(holdIDs(out, "hold_reviews")) != 0 {
		t.Errorf("the stopped filter shows hold reviews: %d %v", st, out)
	}
	if st, out := al.call("GET", "/api/v1/holds?review=overdue", nil); st != 200 || len(holdIDs(out, "holds")) != 2 {
		t.Errorf("overdue reviews: %d %v", st, out)
	}

	// There is no other way to delete a recording than the store's own DeleteRecording, which
	// refuses a held one naming the hold.
	err := v.main.Catalogue.DeleteRecording(context.Background(), held, &callvault.AuditEvent{Time: v.clock.now(), Actor: "user:dora",
		Action: callvault.ActionRecordingDelete, Object: "recording:" + held})
	if !callvault.IsKind(err, callvault.KindConflict) || !strings.Contains(err.Error(), "legal hold") || !strings.Contains(err.Error(), "s.173") {
		t.Errorf("deleting the held recording by hand: %v", err)
	}

	if st, out := mia.call("DELETE", "/api/v1/holds/"+id1, nil); st != 403 {
		t.Errorf("a manager releases a hold: %d %v", st, out)
	}
	st, rel := dora.call("DELETE", "/api/v1/holds/"+id1, map[string]any{"reason": "claim settled"})
	if st != 200 || rel["released_at"] == nil || rel["release_reason"] != "claim settled" || rel["released_by"] != "user:dora" {
		t.Fatalf("release: %d %v", st, rel)
	}
	if st, out := dora.call("DELETE", "/api/v1/holds/"+id1, nil); st != 404 {
		t.Errorf("releasing a released hold: %d %v", st, out)
	}
	runJob(t, v.main, retention.LeaseName)
	if !v.live(t, held) {
		t.Fatalf("the recording was deleted while its second hold stands")
	}
	if st, out := dora.call("DELETE", "/api/v1/holds/"+id2+"?reason=enquiry+closed", nil); st != 200 || out["release_reason"] != "enquiry closed" {
		t.Fatalf("release with ?reason=: %d %v", st, out)
	}
	if st, out := dora.call("GET", "/api/v1/holds?all=1&recording_id="+held, nil); st != 200 || len(holdIDs(out, "holds")) != 2 {
		t.Errorf("all holds of the recording: %d %v", st, out)
	}
	runJob(t, v.main, retention.LeaseName)
	if v.live(t, held) {
		t.Errorf("the released recording survived the next sweep")
	}

	evs := v.events(t)
	if n, m := countActions(evs, callvault.ActionHoldPlace), countActions(evs, callvault.ActionHoldRelease); n != 2 || m != 2 {
		t.Errorf("%d hold.place and %d hold.release events, want 2 and 2", n, m)
	}
	for _, e := range evs {
		if e.Action == callvault.ActionHoldRelease && e.Actor != "user:dora" {
			t.Errorf("release audited as %q", e.Actor)
		}
	}
	v.server.stop()
	if code, out, e := cli(t, append([]string{"audit", "verify"}, v.stores...)...); code != 0 {
		t.Errorf("audit verify = %d\n%s%s", code, out, e)
	}
}

// The hold of a case (the acceptance test): a recording included in an open case survives the
// sweep that deletes its unheld neighbour; its case hold cannot be released by hand; once the
// case closes, the next sweep deletes it. A complaint keeps its recordings the same way.
func TestCaseHoldSurvivesSweepUntilCaseCloses(t *testing.T) {
	for _, typ := range []string{"subject_access", "complaint"} {
		t.Run(typ, func(t *testing.T) { caseHoldSurvivesSweep(t, typ) })
	}
}

func caseHoldSurvivesSweep(t *testing.T, typ string) {
	v := startVault(t)
	v.bootstrap(t, "dan")
	v.addUser(t, "dora", "dpo")
	token := createToken(t, v.data, "recorder", "pbx")
	start := v.clock.now().Add(-time.Hour)
	included := v.ingestCall(t, token, "in", start, "07700 900123")
	excluded := v.ingestCall(t, token, "out", start, "07700 900123")
	neighbour := v.ingestCall(t, token, "other", start, "07700 900999")

	dora := v.signIn(t, "dora")
	dora.enrolTOTP()
	st, out := dora.call("POST", "/api/v1/cases", map[string]any{"type": typ, "received_at": v.clock.now().Format(time.RFC3339),
		"subjects": map[string]any{"numbers": []string{"+447700900123"}}})
	if st != 201 || out["type"] != typ {
		t.Fatalf("open: %d %v", st, out)
	}
	id := out["id"].(string)
	if st, out := dora.call("POST", "/api/v1/cases/"+id+"/search", map[string]any{}); st != 200 || len(foundIDs(t, out)) != 2 {
		t.Fatalf("search: %d %v", st, out)
	}
	for rid, in := range map[string]bool{included: true, excluded: false} {
		if st, out := dora.call("POST", "/api/v1/cases/"+id+"/recordings", map[string]any{"recording_id": rid, "include": in, "reason": "decided"}); st != 200 {
			t.Fatalf("decide %s: %d %v", rid, st, out)
		}
	}
	st, out = dora.call("GET", "/api/v1/holds?case_id="+id, nil)
	caseHolds := holdIDs(out, "holds")
	if st != 200 || len(caseHolds) != 1 {
		t.Fatalf("the case's holds: %d %v", st, out)
	}
	if st, out := dora.call("DELETE", "/api/v1/holds/"+caseHolds[0], map[string]any{"reason": "tidy up"}); st != 409 {
		t.Errorf("releasing an open case's hold by hand: %d %v", st, out)
	}

	v.pastRetention(dora)
	runJob(t, v.main, retention.LeaseName)
	if !v.live(t, included) {
		t.Fatalf("the recording of the open case was deleted")
	}
	if v.live(t, excluded) || v.live(t, neighbour) {
		t.Errorf("unheld recordings survived the sweep: excluded %t, neighbour %t", v.live(t, excluded), v.live(t, neighbour))
	}
	if st, out := dora.call("POST", "/api/v1/cases/"+id+"/close", map[string]any{"outcome": "answered"}); st != 200 {
		t.Fatalf("close: %d %v", st, out)
	}
	runJob(t, v.main, retention.LeaseName)
	if v.live(t, included) {
		t.Errorf("the recording survived the sweep after its case closed")
	}
	v.server.stop()
	if code, out, e := cli(t, append([]string{"audit", "verify"}, v.stores...)...); code != 0 {
		t.Errorf("audit verify = %d\n%s%s", code, out, e)
	}
}
