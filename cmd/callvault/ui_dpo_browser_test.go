package main

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
	"github.com/callvault/callvault/internal/pci"
	"github.com/callvault/callvault/internal/retention"
)

// TestBrowserDPOFlow drives the DPO's pages in a real browser against the real server: the DPO
// signs in with a TOTP code, opens a subject access case, searches the subject's number (found
// in the three forms PBXs report it, not the other caller's), includes two recordings with
// reasons and excludes none, issues a listening link whose address is shown once, and the
// link plays without an account (the audio element's currentTime advances). The desk shows
// the case and a manual hold whose review is overdue; the DPO authorises a delegate; the PCI
// alerts page lists the guard's alert with the recording's case; the announcements report
// counts the inbound calls without evidence. Every page passes axe-core and is photographed.
func TestBrowserDPOFlow(t *testing.T) {
	b := startBrowser(t)
	v := startVault(t)
	v.bootstrap(t, "dan")
	v.addUser(t, "dora", "dpo")
	v.addUser(t, "mia", "manager")

	// Four calls in November 2026: three of the subject's number in different forms, one of
	// someone else. Two inbound calls lack announcement evidence.
	token := createTokenArgs(t, v.stores, "recorder", "pbx")
	ids := map[string]string{}
	for _, c := range []struct {
		src, at, number, name, announced string
	}{
		{"s1", "2026-11-02T09:00:00Z", "07700 900123", "Jane Doe", "no"},
		{"s2", "2026-11-03T09:00:00Z", "+447700900123", "J Doe", "yes"},
		{"s3", "2026-11-04T09:00:00Z", "00447700900123", "Reception", "unknown"},
		{"o1", "2026-11-05T09:00:00Z", "07700 900456", "Bob Roe", "yes"},
	} {
		wav, _ := makeWAV(t, audio.PCMFormat(8000, 1), 6)
		body, ct := multipartBody(part{name: "metadata", contentType: "application/json",
			body: metaJSON(c.src, map[string]any{"started_at": c.at, "ended_at": nil, "external_number": c.number, "announcement_played": c.announced,
				"parties": []map[string]string{{"name": c.name, "number": c.number, "role": "caller"}}})},
			part{name: "audio", filename: "call.wav", contentType: "audio/wav", body: wav})
		r := upload(t, v.url, token, body, ct)
		if r.status != 201 {
			t.Fatalf("upload %s: %d %s", c.src, r.status, r.raw)
		}
		ids[c.src] = r.body["id"].(string)
	}
	ctx := context.Background()
	// A hold placed by hand three days ago, due for review yesterday.
	placed := func() time.Time { return v.clock.now().Add(-72 * time.Hour) }
	holds := &retention.Holds{Store: v.main.Catalogue.(callvault.HoldStore), Now: placed}
	if _, err := holds.Place(ctx, retention.PlaceRequest{RecordingID: ids["o1"], Reason: "Complaint 17: keep until answered",
		ReviewAt: v.clock.now().Add(-24 * time.Hour), Actor: "dan"}); err != nil {
		t.Fatal(err)
	}
	// The PCI guard's alert for the first call (what the archive raises when card data is keyed).
	rec, err := v.main.Catalogue.Recording(ctx, ids["s1"])
	if err != nil {
		t.Fatal(err)
	}
	if err := (&pci.Alerter{Store: v.main.Catalogue.(pci.Store), Now: v.clock.now}).CardDataKeyed(ctx, rec, callvault.ActorSystem); err != nil {
		t.Fatal(err)
	}

	// The DPO: TOTP enrolled through the API, then signs in with a code in the browser.
	api := v.signIn(t, "dora")
	api.enrolTOTP()
	dora := b.person()
	dora.open(v.url + "/login")
	dora.signIn("dora", "")
	dora.wantText("Enter the 6-digit code")
	v.clock.add(30 * time.Second)
	code, _ := totp.GenerateCode(api.totp, v.clock.now())
	dora.signIn("", code)
	dora.wantText("Hello, dora")

	// Open a subject access case.
	dora.open(v.url + "/cases/new")
	dora.checkPage("case-new")
	dora.do(chromedp.SetValue(chromedp.CSS("#type"), "subject_access"),
		chromedp.SetValue(chromedp.CSS("#received_at"), v.clock.now().In(callvault.DefaultZone()).Format("2006-01-02")),
		chromedp.SendKeys(chromedp.CSS("#numbers"), "07700 900123"), chromedp.SendKeys(chromedp.CSS("#names"), "Jane Doe"))
	if st := dora.submit(`form[action="/cases"] button[type=submit]`); st != 200 {
		t.Fatalf("open a case: %d\n%s", st, dora.text())
	}
	dora.wantText("The case is open", "Subject access request", "07700 900123", "Jane Doe", "Running")
	ref := regexp.MustCompile(`SAR-\d{4}-\d{4}`).FindString(dora.text())
	caseURL, _, _ := strings.Cut(dora.url(), "?")
	if ref == "" || !strings.Contains(caseURL, "/cases/") {
		t.Fatalf("no case reference on %s:\n%s", caseURL, dora.text())
	}

	// Search the subject's number: the three forms are found, the other caller is not.
	dora.submit(`a[href$="/search"]`)
	if got := eval[string](dora, `document.querySelector("#numbers").value`); got != "07700 900123" {
		t.Errorf("the search form holds %q, want the case's number", got)
	}
	eval[bool](dora, `(document.querySelector("#names").value = "") === ""`) // the number alone
	if st := dora.submit(`form[action$="/search"] button[type=submit]`); st != 200 {
		t.Fatalf("search: %d\n%s", st, dora.text())
	}
	dora.wantText("3 recording(s)", "Inbound", "Jane Doe", "J Doe", "0:06", "Mon 2 Nov 2026, 09:00 GMT")
	if strings.Contains(dora.text(), "Bob Roe") {
		t.Errorf("the search found the other caller's call")
	}
	if n := eval[int](dora, `document.querySelectorAll("audio").length`); n != 0 {
		t.Errorf("the search page has %d audio elements; the DPO decides on metadata", n)
	}
	dora.checkPage("case-search")

	// Include two calls, each with a reason; a decision without a reason is refused first.
	if st := dora.submit(`#rec-` + ids["s1"] + ` button[value=include]`); st != 400 {
		t.Fatalf("an inclusion without a reason: %d", st)
	}
	dora.wantText("say why the recording is included or excluded")
	for _, src := range []string{"s1", "s2"} {
		dora.do(chromedp.SendKeys(chromedp.CSS("#reason-"+ids[src]), "The requester's own call."))
		if st := dora.submit(`#rec-` + ids[src] + ` button[value=include]`); st != 200 {
			t.Fatalf("include %s: %d\n%s", src, st, dora.text())
		}
		dora.wantText("Your decision on this call is recorded")
	}
	dora.open(caseURL)
	dora.wantText("Recordings decided", "Included", "The requester's own call.", "Holds")
	if n := eval[int](dora, `document.querySelectorAll("#recs-h ~ .table-wrap tbody tr").length`); n != 2 {
		t.Errorf("%d recordings decided on the case page, want 2", n)
	}
	dora.checkPage("case")

	// Issue a link: its address is shown once.
	if st := dora.submit(`form[action$="/links"] button[type=submit]`); st != 201 {
		t.Fatalf("issue a link: %d\n%s", st, dora.text())
	}
	dora.wantText("Listening link issued", "only now")
	linkURL := eval[string](dora, `document.querySelector("#link-url").value`)
	if !strings.HasPrefix(linkURL, v.url+"/listen/") {
		t.Fatalf("the link is %q", linkURL)
	}
	dora.checkPage("case-link")
	dora.open(caseURL)
	if strings.Contains(dora.text(), linkURL) || eval[int](dora, `document.body.innerHTML.indexOf(`+jsString(linkURL[len(v.url):])+`)`) >= 0 {
		t.Errorf("the case page shows the link's address again")
	}
	dora.wantText("0 of 20", "Live")

	// The link plays without an account: the audio element's time advances.
	anon := b.person()
	if st := anon.open(linkURL); st != 200 {
		t.Fatalf("the link: %d\n%s", st, anon.text())
	}
	if n := eval[int](anon, `document.querySelectorAll("audio").length`); n != 2 {
		t.Fatalf("the link page has %d players, want the 2 included recordings", n)
	}
	played := eval[float64](anon, `(async () => {
		const a = document.querySelector("audio");
		await a.play();
		await new Promise(r => { const f = () => { if (a.currentTime >= 0.5) { a.removeEventListener("timeupdate", f); r(); } }; a.addEventListener("timeupdate", f); f(); });
		return a.currentTime;
	})()`)
	if played < 0.5 {
		t.Errorf("the link's audio did not play: currentTime %v", played)
	}
	if n := countActions(v.events(t), callvault.ActionCaseLinkPlay); n != 1 {
		t.Errorf("%d plays of the link audited, want 1", n)
	}

	// The desk: the case is due; the manual hold's review is overdue.
	dora.open(v.url + "/cases")
	dora.wantText(ref, "Running", "Hold reviews overdue", "Complaint 17: keep until answered", ids["o1"])
	dora.checkPage("desk")
	dora.open(v.url + "/cases?due=overdue")
	if strings.Contains(dora.text(), ref) {
		t.Errorf("the case is on the overdue list")
	}

	// Delegations: the DPO authorises the manager for a month.
	dora.open(v.url + "/delegations")
	dora.do(chromedp.SendKeys(chromedp.CSS("#delegate"), "mia"), chromedp.SendKeys(chromedp.CSS("#statement"), "While I am on leave."))
	if st := dora.submit(`form[action="/delegations"] button[type=submit]`); st != 200 {
		t.Fatalf("delegation: %d\n%s", st, dora.text())
	}
	dora.wantText("The delegation is recorded", "mia", "In force", "While I am on leave.")
	dora.checkPage("delegations")

	// PCI alerts: the guard's alert, with the recording's case; no audio.
	dora.open(v.url + "/pci?from=2026-11-01&until=" + v.clock.now().In(callvault.DefaultZone()).Format("2006-01-02"))
	dora.wantText(ids["s1"], ref, "Mon 2 Nov 2026, 09:00 GMT")
	if n := eval[int](dora, `document.querySelectorAll("audio").length`); n != 0 {
		t.Errorf("the PCI page has audio")
	}
	dora.checkPage("pci-alerts")

	// The announcements report for November: two of the four inbound calls lack evidence.
	dora.open(v.url + "/reports/inbound?from=2026-11-01&until=2026-11-30")
	dora.wantText("2 of 4 inbound calls in this period have no evidence", "Not played", "Unknown")
	dora.checkPage("inbound-report")
	if n := countActions(v.events(t), callvault.ActionReportRead); n != 2 {
		t.Errorf("%d report reads audited, want 2 (PCI alerts and announcements)", n)
	}
}

// jsString quotes s for a script.
func jsString(s string) string { return fmt.Sprintf("%q", s) }
