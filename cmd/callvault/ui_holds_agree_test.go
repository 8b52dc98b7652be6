package main

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
)

// TestHoldPages checks the DPO's hold forms: a hold placed by hand on a case's recording, with
// the review day typed the British way (what a browser without a date picker sends); a refused
// hold says why and keeps what was typed; the case's own hold is not released by hand; a hold
// by hand is released, audited each time; an overdue hold is released from the desk.
func TestHoldPages(t *testing.T) {
	v := startVault(t)
	v.bootstrap(t, "dan")
	v.addUser(t, "dora", "dpo")
	dora := v.signIn(t, "dora")
	dora.enrolTOTP()
	token := createTokenArgs(t, v.stores, "recorder", "pbx")
	wav, _ := makeWAV(t, audio.PCMFormat(8000, 1), 1)
	if r := uploadWAV(t, v.url, token, "s1", wav); r.status != 201 {
		t.Fatalf("upload: %d %s", r.status, r.raw)
	}
	now := v.clock.now().In(callvault.DefaultZone())
	today := now.Format("2006-01-02")
	st, loc, _ := dpoPost(t, dora, "/cases", url.Values{"type": {"subject_access"}, "received_at": {now.Format("2/1/2006")}, "numbers": {"07700 900123"}})
	if st != 303 {
		t.Fatalf("open a case with the day typed as day/month/year: %d", st)
	}
	caseURL, _, _ := strings.Cut(loc, "?")
	dpoPost(t, dora, caseURL+"/search", url.Values{"numbers": {"+44 7700 900123"}})
	search := get(t, dora, caseURL+"/search")
	rid := regexp.MustCompile(`name="recording" value="([0-9a-f-]{36})"`).FindStringSubmatch(search)
	if rid == nil {
		t.Fatalf("nothing found:\n%.2000s", search)
	}
	if st, _, _ := dpoPost(t, dora, caseURL+"/recordings", url.Values{"recording": {rid[1]}, "reason": {"Their call."}, "decision": {"include"}}); st != 303 {
		t.Fatalf("include: %d", st)
	}
	page := get(t, dora, caseURL)
	if !strings.Contains(page, `action="`+caseURL+`/holds"`) || !strings.Contains(page, "day/month/year") || !strings.Contains(page, "Ends when the case closes") {
		t.Fatalf("the case page has no hold form, or offers to release the case's own hold:\n%.4000s", page)
	}
	caseHold := regexp.MustCompile(`/holds/([0-9a-f-]{36})/release`).FindStringSubmatch(page)
	if caseHold != nil {
		t.Errorf("the case's own hold has a release button")
	}

	// Refused: no reason, and a day that is not one; what was typed stays.
	st, _, page = dpoPost(t, dora, caseURL+"/holds", url.Values{"recording_id": {rid[1]}, "reason": {""}, "review_at": {"next spring"}})
	if st != 400 || !strings.Contains(page, "Review by: enter a date, for example 27/11/2026.") || !strings.Contains(page, `value="next spring"`) {
		t.Errorf("a hold with a bad day: %d\n%.3000s", st, page)
	}
	st, _, page = dpoPost(t, dora, caseURL+"/holds", url.Values{"recording_id": {rid[1]}, "reason": {""}, "review_at": {now.AddDate(0, 6, 0).Format("02/01/2006")}})
	if st != 400 || !strings.Contains(page, "Reason:") || !strings.Contains(page, `id="hold-error"`) {
		t.Errorf("a hold without a reason: %d\n%.3000s", st, page)
	}
	// Placed, with the review day typed as day/month/year.
	review := now.AddDate(0, 6, 0)
	st, loc, _ = dpoPost(t, dora, caseURL+"/holds", url.Values{"recording_id": {rid[1]}, "reason": {"A claim is expected from the caller."}, "review_at": {review.Format("2/1/2006")}})
	if st != 303 || !strings.Contains(loc, "done=held") {
		t.Fatalf("place a hold: %d %q", st, loc)
	}
	if n := countActions(v.events(t), callvault.ActionHoldPlace); n < 1 {
		t.Errorf("the hold is not audited")
	}
	var held *callvault.Hold
	for _, h := range decodeHoldsOf(t, dora, rid[1]) {
		if h.Reason == "A claim is expected from the caller." {
			held = h
		}
	}
	if held == nil || held.ReviewAt.In(callvault.DefaultZone()).Format("2006-01-02") != review.Format("2006-01-02") {
		t.Fatalf("the hold placed by the page: %+v", held)
	}
	page = get(t, dora, caseURL)
	if !strings.Contains(page, "A claim is expected from the caller.") || !strings.Contains(page, "/holds/"+held.ID+"/release") {
		t.Fatalf("the hold is not on the case page with a release button:\n%.4000s", page)
	}
	// The case's own hold is not released by hand: the case page says why.
	for _, h := range decodeHoldsOf(t, dora, rid[1]) {
		if h.CaseID != "" {
			if st, _, page := dpoPost(t, dora, caseURL+"/holds/"+h.ID+"/release", url.Values{}); st != 409 || !strings.Contains(page, "open case") {
				t.Errorf("releasing the case's own hold: %d\n%.2000s", st, page)
			}
		}
	}
	// Released by hand, with a reason.
	if st, loc, _ := dpoPost(t, dora, caseURL+"/holds/"+held.ID+"/release", url.Values{"release_reason": {"The claim was withdrawn."}}); st != 303 || !strings.Contains(loc, "done=released") {
		t.Fatalf("release: %d %q", st, loc)
	}
	if page := get(t, dora, caseURL); strings.Contains(page, "A claim is expected from the caller.") {
		t.Errorf("the released hold is still listed")
	}
	if n := countActions(v.events(t), callvault.ActionHoldRelease); n != 1 {
		t.Errorf("%d releases audited, want 1", n)
	}
	if st, _, _ := dpoPost(t, dora, caseURL+"/holds/"+held.ID+"/release", url.Values{}); st != 404 {
		t.Errorf("releasing a released hold: %d", st)
	}

	// A review due today is overdue on the desk, and released from there.
	if st, _, _ := dpoPost(t, dora, caseURL+"/holds", url.Values{"recording_id": {rid[1]}, "reason": {"Kept for the tribunal."}, "review_at": {today}}); st != 303 {
		t.Fatalf("a hold reviewed today: %d", st)
	}
	desk := get(t, dora, "/cases?due=hold_review")
	m := regexp.MustCompile(`action="/holds/([0-9a-f-]{36})/release"`).FindStringSubmatch(desk)
	if m == nil || !strings.Contains(desk, "Kept for the tribunal.") {
		t.Fatalf("the overdue hold has no release button on the desk:\n%.4000s", desk)
	}
	st, loc, _ = dpoPost(t, dora, "/holds/"+m[1]+"/release", url.Values{"release_reason": {"Tribunal over."}})
	if st != 303 || !strings.Contains(loc, "released=1") {
		t.Fatalf("release from the desk: %d %q", st, loc)
	}
	if desk := get(t, dora, loc); strings.Contains(desk, "Kept for the tribunal.") || !strings.Contains(desk, "The hold is released") {
		t.Errorf("the desk after the release:\n%.3000s", desk)
	}
}

// TestDelegateAgreementPage checks that a live delegate of the DPO reaches the disciplinary
// agreement form without case.read: the page shows which calls would be released and nothing
// of the case's subjects or the calls' parties; the delegate agrees there, and a refusal keeps
// what was typed; without a live delegation it is not found.
func TestDelegateAgreementPage(t *testing.T) {
	v := startVault(t)
	v.bootstrap(t, "dan")
	v.addUser(t, "dora", "dpo")
	v.addUser(t, "mia", "manager")
	v.addUser(t, "max", "manager")
	dora, mia, max := v.signIn(t, "dora"), v.signIn(t, "mia"), v.signIn(t, "max")
	dora.enrolTOTP()
	mia.enrolTOTP()
	max.enrolTOTP()
	token := createTokenArgs(t, v.stores, "recorder", "pbx")
	wav, _ := makeWAV(t, audio.PCMFormat(8000, 1), 1)
	if r := uploadWAV(t, v.url, token, "s1", wav); r.status != 201 {
		t.Fatalf("upload: %d %s", r.status, r.raw)
	}
	today := v.clock.now().In(callvault.DefaultZone()).Format("2006-01-02")
	st, loc, _ := dpoPost(t, dora, "/cases", url.Values{"type": {"disciplinary"}, "received_at": {today}, "extensions": {"201"}, "names": {"Jane Doe"}})
	if st != 303 {
		t.Fatalf("a disciplinary case: %d", st)
	}
	dis, _, _ := strings.Cut(loc, "?")
	dpoPost(t, dora, dis+"/search", url.Values{"extensions": {"201"}})
	rid := regexp.MustCompile(`name="recording" value="([0-9a-f-]{36})"`).FindStringSubmatch(get(t, dora, dis+"/search"))
	if rid == nil {
		t.Fatal("nothing found")
	}
	if st, _, _ := dpoPost(t, dora, dis+"/recordings", url.Values{"recording": {rid[1]}, "reason": {"The call in question."}, "decision": {"include"}}); st != 303 {
		t.Fatalf("include: %d", st)
	}
	if page := get(t, dora, dis); !strings.Contains(page, `href="`+dis+`/agreement"`) {
		t.Errorf("the DPO's case page does not give the agreement page's address")
	}
	if resp := do(t, mia, dis+"/agreement"); resp.StatusCode != 404 {
		t.Errorf("the agreement page before any delegation: %d", resp.StatusCode)
	}
	if st, _, page := dpoPost(t, dora, "/delegations", url.Values{"delegate": {"mia"}, "from": {today}, "until": {v.clock.now().In(callvault.DefaultZone()).AddDate(0, 3, 0).Format("02/01/2006")}}); st != 303 {
		t.Fatalf("a delegation to mia: %d\n%.2000s", st, page)
	}
	if resp := do(t, mia, dis); resp.StatusCode == 200 {
		t.Errorf("the delegate opens the whole case: %d", resp.StatusCode)
	}
	if home := get(t, mia, "/"); !strings.Contains(home, `href="`+dis+`/agreement"`) {
		t.Errorf("the delegate's home page does not list the release waiting for her:\n%.3000s", home)
	}
	if home := get(t, max, "/"); strings.Contains(home, "/agreement") {
		t.Errorf("a manager without a delegation sees a release waiting")
	}
	page := get(t, mia, dis+"/agreement")
	if !strings.Contains(page, "The call in question.") || !strings.Contains(page, "201") || !strings.Contains(page, "Your written agreement") {
		t.Fatalf("the delegate's agreement page:\n%.4000s", page)
	}
	for _, secret := range []string{"Jane Doe", "900123", "Back to the case"} {
		if strings.Contains(page, secret) {
			t.Errorf("the delegate's agreement page shows %q", secret)
		}
	}
	if resp := do(t, max, dis+"/agreement"); resp.StatusCode != 404 {
		t.Errorf("a manager without a delegation: %d", resp.StatusCode)
	}
	st, _, page = dpoPost(t, mia, dis+"/agreement", url.Values{"statement": {"  "}, "back": {"agreement"}})
	if st != 400 || !strings.Contains(page, "Written agreement: this is required") {
		t.Errorf("an empty agreement: %d\n%.2000s", st, page)
	}
	st, loc, _ = dpoPost(t, mia, dis+"/agreement", url.Values{"statement": {"Agreed for the panel on 4 December."}})
	if st != 303 || loc != dis+"/agreement?done=agreed" {
		t.Fatalf("the delegate agrees: %d %q", st, loc)
	}
	if home := get(t, mia, "/"); strings.Contains(home, "/agreement") {
		t.Errorf("the release agreed is still waiting on the delegate's home page")
	}
	if page := get(t, mia, dis+"/agreement"); !strings.Contains(page, "Agreed for the panel on 4 December.") || !strings.Contains(page, "(by delegation)") {
		t.Errorf("the agreement is not shown:\n%.3000s", page)
	}
	if st, _, _ := dpoPost(t, dora, dis+"/bundle", url.Values{}); st != 200 {
		t.Errorf("the bundle after the delegate's agreement: %d", st)
	}
}

// decodeHoldsOf returns the active holds of recording rid, through the API.
func decodeHoldsOf(t *testing.T, c *client, rid string) []*callvault.Hold {
	t.Helper()
	st, out := c.call("GET", "/api/v1/holds?recording_id="+rid, nil)
	if st != 200 {
		t.Fatalf("list holds: %d %v", st, out)
	}
	b, _ := json.Marshal(out["holds"])
	var hs []*callvault.Hold
	if err := json.Unmarshal(b, &hs); err != nil {
		t.Fatal(err)
	}
	return hs
}

// TestTypedDayRefusal checks that a day the pages cannot read is refused in the pages' terms
// (day/month/year), not the API's (YYYY-MM-DD, RFC 3339), and keeps what was typed.
func TestTypedDayRefusal(t *testing.T) {
	v := startVault(t)
	v.bootstrap(t, "dan")
	v.addUser(t, "dora", "dpo")
	dora := v.signIn(t, "dora")
	dora.enrolTOTP()
	st, _, page := dpoPost(t, dora, "/cases", url.Values{"type": {"subject_access"}, "received_at": {"31/02/2026"}, "numbers": {"07700 900123"}})
	if st != 400 || !strings.Contains(page, "type it as day/month/year") || strings.Contains(page, "RFC 3339") || !strings.Contains(page, `value="31/02/2026"`) {
		t.Errorf("an impossible day: %d\n%.3000s", st, page)
	}
}
