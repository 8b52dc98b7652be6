package main

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
)

// dpoPost sends a form as c (its session) without following the redirect, and returns the
// status, the Location and the body.
func dpoPost(t *testing.T, c *client, path string, form url.Values) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", c.v.url+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := noRedirect(c).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(body)
}

// TestDPOPageForms checks the DPO's forms without a browser: a refused form says what is wrong
// in words and keeps what was typed; a step the case does not allow now (stopping a stopped
// clock, a link before any inclusion, closing without an outcome) comes back on the case page
// with the service's reason; the bundle form answers the signed zip itself; the clock, closing
// and reports work as the API's.
func TestDPOPageForms(t *testing.T) {
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
	today := v.clock.now().In(callvault.DefaultZone()).Format("2006-01-02")

	st, _, page := dpoPost(t, dora, "/cases", url.Values{"type": {"subject_access"}, "numbers": {"07700 900123"}, "names": {"Jane Doe"}})
	if st != 400 || !strings.Contains(page, "This is required: when the organisation received the request.") ||
		!strings.Contains(page, ">07700 900123</textarea>") || !strings.Contains(page, ">Jane Doe</textarea>") {
		t.Fatalf("a case without its received date: %d\n%.3000s", st, page)
	}
	st, _, page = dpoPost(t, dora, "/cases", url.Values{"type": {"external_body"}, "received_at": {today}, "external_officer": {"PC Smith"}})
	if st != 400 || !strings.Contains(page, "who asked") || !strings.Contains(page, `value="PC Smith"`) {
		t.Fatalf("an external body's case without the body: %d\n%.3000s", st, page)
	}
	st, loc, page := dpoPost(t, dora, "/cases", url.Values{"type": {"subject_access"}, "received_at": {today}, "numbers": {"07700 900123"}})
	if st != 303 || !strings.HasPrefix(loc, "/cases/") {
		t.Fatalf("open: %d %q\n%.2000s", st, loc, page)
	}
	caseURL, _, _ := strings.Cut(loc, "?")

	// A note: an empty one is refused on the case page; a note is kept, its text not audited.
	if st, _, page := dpoPost(t, dora, caseURL+"/notes", url.Values{"note": {"  "}}); st != 400 || !strings.Contains(page, "Note: this is required: what to keep on the case.") {
		t.Errorf("an empty note: %d\n%.2000s", st, page)
	}
	if st, _, _ := dpoPost(t, dora, caseURL+"/notes", url.Values{"note": {"Jane rang to ask how long it takes."}}); st != 303 {
		t.Errorf("note: %d", st)
	}
	if page := get(t, dora, caseURL); !strings.Contains(page, "Jane rang to ask how long it takes.") {
		t.Errorf("the note is not on the case page")
	}
	for _, ev := range v.events(t) {
		if strings.Contains(ev.Detail, "Jane rang") {
			t.Errorf("the note's text is in the audit log: %s %s", ev.Action, ev.Detail)
		}
	}
	if n := countActions(v.events(t), callvault.ActionCaseNote); n != 1 {
		t.Errorf("%d notes audited, want 1", n)
	}

	// A link before any recording is included: the case page, with the reason.
	if st, _, page := dpoPost(t, dora, caseURL+"/links", url.Values{}); st != 409 || !strings.Contains(page, "includes no recording yet") {
		t.Errorf("a link before any inclusion: %d\n%.2000s", st, page)
	}
	// The clock: stop, then stopping again is refused; restart.
	if st, loc, _ := dpoPost(t, dora, caseURL+"/clock", url.Values{"action": {"stop"}, "reason": {"identity"}, "date": {today}}); st != 303 || !strings.Contains(loc, "done=clock") {
		t.Fatalf("stop the clock: %d %q", st, loc)
	}
	if page := get(t, dora, caseURL); !strings.Contains(page, "Clock stopped") || !strings.Contains(page, "Restart the clock") {
		t.Errorf("the stopped clock is not shown:\n%.3000s", page)
	}
	ref := regexp.MustCompile(`SAR-\d{4}-\d{4}`).FindString(get(t, dora, caseURL))
	if desk := get(t, dora, "/cases?due=stopped"); ref == "" || !strings.Contains(desk, ref) {
		t.Errorf("the stopped case %q is not on the desk's stopped list", ref)
	}
	if desk := get(t, dora, "/cases?due=due"); strings.Contains(desk, ref) {
		t.Errorf("the stopped case is on the running list")
	}
	if resp := do(t, dora, "/cases?due=someday"); resp.StatusCode != 400 {
		t.Errorf("an unknown list: %d", resp.StatusCode)
	}
	if st, _, page := dpoPost(t, dora, caseURL+"/clock", url.Values{"action": {"stop"}, "reason": {"identity"}}); st != 409 || !strings.Contains(page, "The clock is stopped already") {
		t.Errorf("stopping a stopped clock: %d\n%.2000s", st, page)
	}
	if st, _, _ := dpoPost(t, dora, caseURL+"/clock", url.Values{"action": {"restart"}, "date": {today}}); st != 303 {
		t.Errorf("restart the clock: %d", st)
	}
	// A search for something that is not a number says so and keeps what was typed.
	if st, _, page := dpoPost(t, dora, caseURL+"/search", url.Values{"numbers": {"call me maybe"}, "names": {"Jane Doe"}}); st != 400 ||
		!strings.Contains(page, "This is not a telephone number") || !strings.Contains(page, ">call me maybe</textarea>") || !strings.Contains(page, `id="numbers-error"`) {
		t.Errorf("a search for a non-number: %d\n%.3000s", st, page)
	}
	// Search (the upload's number), include, and the bundle is the zip itself.
	if st, _, page := dpoPost(t, dora, caseURL+"/search", url.Values{"numbers": {"+44 7700 900123"}}); st != 303 {
		t.Fatalf("search: %d\n%.2000s", st, page)
	}
	search := get(t, dora, caseURL+"/search")
	if !strings.Contains(search, "1 recording(s)") {
		t.Fatalf("the search page:\n%.3000s", search)
	}
	rid := search[strings.Index(search, `name="recording" value="`)+len(`name="recording" value="`):][:36]
	if st, _, page := dpoPost(t, dora, caseURL+"/recordings", url.Values{"recording": {rid}, "reason": {"Their call."}}); st != 400 || !strings.Contains(page, "Choose Include or Exclude") {
		t.Errorf("a decision without include or exclude: %d\n%.2000s", st, page)
	}
	if st, _, _ := dpoPost(t, dora, caseURL+"/recordings", url.Values{"recording": {rid}, "reason": {"Their call."}, "decision": {"include"}}); st != 303 {
		t.Fatalf("include: %d", st)
	}
	// A link: a bad play limit is named; the address is shown once; withdrawn, it is shown so.
	if st, _, page := dpoPost(t, dora, caseURL+"/links", url.Values{"max_plays": {"lots"}, "passcode": {"secret-42"}}); st != 400 ||
		!strings.Contains(page, "Plays allowed: this is not a whole number.") || strings.Contains(page, "secret-42") {
		t.Errorf("a link with a bad play limit: %d\n%.2000s", st, page)
	}
	st, _, page = dpoPost(t, dora, caseURL+"/links", url.Values{"expires_in_days": {"7"}, "max_plays": {"3"}, "passcode": {"secret-42"}})
	path := regexp.MustCompile(`/listen/[0-9a-f-]{36}/[A-Za-z0-9_-]{40,}`).FindString(page)
	if st != 201 || path == "" {
		t.Fatalf("issue a link: %d\n%.2000s", st, page)
	}
	casePage := get(t, dora, caseURL)
	if strings.Contains(casePage, path) || !strings.Contains(casePage, "0 of 3") {
		t.Errorf("the case page after the link: shows the address %v\n%.3000s", strings.Contains(casePage, path), casePage)
	}
	linkID := regexp.MustCompile(`/links/([0-9a-f-]{36})/revoke`).FindStringSubmatch(casePage)
	if linkID == nil {
		t.Fatalf("no withdraw button on the case page")
	}
	if st, loc, _ := dpoPost(t, dora, caseURL+"/links/"+linkID[1]+"/revoke", url.Values{}); st != 303 || !strings.Contains(loc, "done=revoked") {
		t.Errorf("withdraw the link: %d %q", st, loc)
	}
	if page := get(t, dora, caseURL); !strings.Contains(page, "Withdrawn") {
		t.Errorf("the withdrawn link is not shown so")
	}
	if resp := do(t, v.client(t), path); resp.StatusCode != 404 {
		t.Errorf("the withdrawn link opened: %d", resp.StatusCode)
	}

	req, _ := http.NewRequest("POST", v.url+caseURL+"/bundle", nil)
	resp, err := dora.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	zip, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/zip" || !strings.HasPrefix(string(zip), "PK") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "SAR-") {
		t.Errorf("the bundle: %d %s %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
	}
	if n := countActions(v.events(t), callvault.ActionCaseDisclosed); n != 1 {
		t.Errorf("%d disclosures recorded, want 1", n)
	}
	// Closing needs the outcome.
	if st, _, page := dpoPost(t, dora, caseURL+"/close", url.Values{}); st != 400 || !strings.Contains(page, "how the case was answered") {
		t.Errorf("closing without an outcome: %d\n%.2000s", st, page)
	}
	if st, _, _ := dpoPost(t, dora, caseURL+"/close", url.Values{"outcome": {"Answered with a listening link."}}); st != 303 {
		t.Errorf("close: %d", st)
	}
	if page := get(t, dora, caseURL); !strings.Contains(page, "Closed") || !strings.Contains(page, "Answered with a listening link.") || strings.Contains(page, "Search for recordings") {
		t.Errorf("the closed case:\n%.3000s", page)
	}
	// An external body's case opens with the body and the legal basis.
	if st, loc, page := dpoPost(t, dora, "/cases", url.Values{"type": {"external_body"}, "received_at": {today}, "external_body": {"Avon and Somerset Police"},
		"external_legal_basis": {"DPA 2018 Schedule 2 paragraph 2"}}); st != 303 || !strings.Contains(get(t, dora, loc), "Avon and Somerset Police") {
		t.Errorf("an external body's case: %d %q\n%.2000s", st, loc, page)
	}
	// A disciplinary release: no bundle until the written agreement, then the bundle.
	st, loc, _ = dpoPost(t, dora, "/cases", url.Values{"type": {"disciplinary"}, "received_at": {today}, "extensions": {"201"}})
	if st != 303 {
		t.Fatalf("a disciplinary case: %d", st)
	}
	dis, _, _ := strings.Cut(loc, "?")
	dpoPost(t, dora, dis+"/search", url.Values{"extensions": {"201"}})
	if st, _, _ := dpoPost(t, dora, dis+"/recordings", url.Values{"recording": {rid}, "reason": {"The call in question."}, "decision": {"include"}}); st != 303 {
		t.Fatalf("include in the disciplinary case: %d", st)
	}
	if st, _, page := dpoPost(t, dora, dis+"/bundle", url.Values{}); st != 403 || !strings.Contains(page, "written agreement") {
		t.Errorf("a disciplinary bundle before the agreement: %d\n%.2000s", st, page)
	}
	if st, _, _ := dpoPost(t, dora, dis+"/agreement", url.Values{"statement": {"I agree to release this call to the panel."}}); st != 303 {
		t.Errorf("agree: %d", st)
	}
	if st, _, _ := dpoPost(t, dora, dis+"/bundle", url.Values{}); st != 200 {
		t.Errorf("a disciplinary bundle after the agreement: %d", st)
	}

	// A delegation: the delegate is named; withdrawn, it is shown so.
	v.addUser(t, "mia", "manager")
	if st, _, page := dpoPost(t, dora, "/delegations", url.Values{"delegate": {"nobody"}, "until": {"2099-01-01"}}); st != 400 || !strings.Contains(page, "No such user") {
		t.Errorf("a delegation to nobody: %d\n%.2000s", st, page)
	}
	if st, _, page := dpoPost(t, dora, "/delegations", url.Values{"delegate": {"mia"}, "from": {today}, "until": {today}}); st != 303 {
		t.Fatalf("a delegation for today: %d\n%.2000s", st, page)
	}
	dels := get(t, dora, "/delegations")
	delID := regexp.MustCompile(`/delegations/([0-9a-f-]{36})/revoke`).FindStringSubmatch(dels)
	if delID == nil || !strings.Contains(dels, "In force") {
		t.Fatalf("the delegation list:\n%.3000s", dels)
	}
	if st, _, _ := dpoPost(t, dora, "/delegations/"+delID[1]+"/revoke", url.Values{}); st != 303 {
		t.Errorf("withdraw the delegation: %d", st)
	}
	if dels := get(t, dora, "/delegations"); !strings.Contains(dels, "Withdrawn") || strings.Contains(dels, "In force") {
		t.Errorf("the withdrawn delegation:\n%.3000s", dels)
	}

	// A Director opens complaints, not subject access requests.
	dan := v.signIn(t, "dan")
	dan.enrolTOTP()
	if st, loc, page := dpoPost(t, dan, "/cases", url.Values{"type": {"complaint"}, "received_at": {today}, "names": {"Jane Doe"}}); st != 303 || !strings.HasPrefix(loc, "/cases/") {
		t.Errorf("a Director's complaint: %d %q\n%.2000s", st, loc, page)
	}
	if st, _, page := dpoPost(t, dan, "/cases", url.Values{"type": {"subject_access"}, "received_at": {today}}); st != 403 || !strings.Contains(page, "Not allowed") {
		t.Errorf("a Director's subject access case: %d\n%.2000s", st, page)
	}

	// A report's range the wrong way round is a message, not a report.
	resp, err = dora.http.Get(v.url + "/reports/inbound?from=2026-11-30&until=2026-11-01")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(body), "The last day is before the first.") {
		t.Errorf("a reversed range: %d\n%.2000s", resp.StatusCode, body)
	}
}
