package main

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/callvault/callvault/internal/audio"
)

// TestPageDecisions: the decision form keeps what was typed and says what is missing (the
// statement, a recording, a sensible expiry); nobody decides their own request from the page
// either; a rejection reaches the requester's list with its statement; a disciplinary request
// is not in a manager's queue.
func TestPageDecisions(t *testing.T) {
	v := startVault(t)
	v.bootstrap(t, "dan")
	v.addUser(t, "sam", "staff")
	v.addUser(t, "mia", "manager", "staff")
	sam, mia := v.signIn(t, "sam"), v.signIn(t, "mia")
	mia.enrolTOTP()
	token := createTokenArgs(t, v.stores, "recorder", "pbx")
	wav, _ := makeWAV(t, audio.PCMFormat(8000, 1), 2)
	body, ct := multipartBody(part{name: "metadata", contentType: "application/json",
		body: metaJSON("d1", map[string]any{"started_at": "2026-11-20T10:00:00Z", "ended_at": nil, "extension": "201"})},
		part{name: "audio", filename: "call.wav", contentType: "audio/wav", body: wav})
	if r := upload(t, v.url, token, body, ct); r.status != 201 {
		t.Fatalf("upload: %d %s", r.status, r.raw)
	}
	ask := func(c *client, purpose string) string {
		t.Helper()
		st, out := c.call("POST", "/api/v1/access-requests", map[string]any{"purpose": purpose, "reason": "a complaint about call 201",
			"extension": "201", "call_time": "2026-11-20T10:01:00Z"})
		if st != 201 {
			t.Fatalf("request: %d %v", st, out)
		}
		return out["id"].(string)
	}
	id := ask(sam, "complaint")

	// Approve without a statement, without a recording, with an expiry that is not a date.
	st, _, page := postForm(t, mia, "/approvals/"+id, url.Values{"decision": {"approve"}, "statement": {""}, "expires": {"2026-12-10"}})
	if st != 400 || !strings.Contains(page, "The written agreement") && !strings.Contains(page, "This is required") {
		t.Fatalf("approve without statement: %d\n%.1500s", st, page)
	}
	if !strings.Contains(page, `value="2026-12-10"`) {
		t.Errorf("the expiry typed was lost")
	}
	st, _, page = postForm(t, mia, "/approvals/"+id, url.Values{"decision": {"approve"}, "statement": {"Approved for the complaint"}})
	if st != 400 || !strings.Contains(page, "An approval must grant at least one recording") || !strings.Contains(page, "Approved for the complaint") {
		t.Errorf("an approval of no recording: %d\n%.1500s", st, page)
	}
	st, _, page = postForm(t, mia, "/approvals/"+id, url.Values{"decision": {"approve"}, "statement": {"Approved for the complaint"},
		"expires": {"next week"}})
	if st != 400 || !strings.Contains(page, "Enter a date") || !strings.Contains(page, "Approved for the complaint") {
		t.Fatalf("a bad expiry: %d\n%.1500s", st, page)
	}

	// Nobody decides their own request.
	own := ask(mia, "training")
	if st, _, page := postForm(t, mia, "/approvals/"+own, url.Values{"decision": {"reject"}, "statement": {"no"}}); st != 403 || !strings.Contains(page, "nobody decides their own request") {
		t.Fatalf("deciding one's own request: %d\n%.800s", st, page)
	}

	// Reject with a statement: the requester sees it.
	st, loc, page := postForm(t, mia, "/approvals/"+id, url.Values{"decision": {"reject"}, "statement": {"Refused: the complaint was withdrawn"}})
	if st != 303 || !strings.HasPrefix(loc, "/approvals") {
		t.Fatalf("reject: %d %s\n%.800s", st, loc, page)
	}
	list := get(t, sam, "/requests")
	if !strings.Contains(list, "Rejected") || !strings.Contains(list, "Refused: the complaint was withdrawn") {
		t.Fatalf("the requester's list after a rejection:\n%.2000s", list)
	}
	if st, _, _ := postForm(t, mia, "/approvals/"+id, url.Values{"decision": {"approve"}, "statement": {"changed my mind"}}); st != 403 {
		t.Errorf("deciding a decided request: %d", st)
	}

	// Approved with download: the grant page offers it, and the link downloads.
	id2 := ask(sam, "quality")
	view := get(t, mia, "/approvals/"+id2)
	recID := regexp.MustCompile(`name="recording" value="([0-9a-f-]+)"`).FindStringSubmatch(view)
	if recID == nil {
		t.Fatalf("the approval page offers no recording:\n%.1500s", view)
	}
	if st, loc, page := postForm(t, mia, "/approvals/"+id2, url.Values{"decision": {"approve"}, "statement": {"Approved for quality review"},
		"recording": {recID[1]}, "download": {"yes"}}); st != 303 {
		t.Fatalf("approve with download: %d %s\n%.800s", st, loc, page)
	}
	_, out := sam.call("GET", "/api/v1/access-requests/"+id2, nil)
	grant := get(t, sam, "/grants/"+out["grant_id"].(string))
	link := regexp.MustCompile(`href="(/api/v1/recordings/[0-9a-f-]+/audio\?download=1)"`).FindStringSubmatch(grant)
	if link == nil {
		t.Fatalf("no download link on a grant that allows it:\n%.2000s", grant)
	}
	if resp := do(t, sam, link[1]); resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("download: %d %q", resp.StatusCode, resp.Header.Get("Content-Disposition"))
	}

	// A disciplinary request waits for the DPO, not in a manager's queue.
	disc := ask(sam, "disciplinary")
	if q := get(t, mia, "/approvals"); strings.Contains(q, "/approvals/"+disc) {
		t.Errorf("a manager's queue lists a disciplinary request")
	}
	if st, _, page := postForm(t, mia, "/approvals/"+disc, url.Values{"decision": {"approve"}, "statement": {"ok by me"}}); st != 403 ||
		!strings.Contains(page, "only by the DPO") {
		t.Errorf("a manager approving a disciplinary request from the page: %d\n%.1200s", st, page)
	}
}
