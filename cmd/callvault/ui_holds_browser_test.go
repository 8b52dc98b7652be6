package main

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
)

// TestBrowserHoldsAndAgreement drives the hold form and the delegate's agreement page in a real
// browser: the DPO places a hold by hand on a disciplinary case's call (the review day typed as
// day/month/year into the field, as a browser without a date picker takes it), sees it listed
// and releases it; the DPO's delegate, who may not open the case, finds the release waiting on
// her home page and follows it to the agreement page,
// sees the call but not the case's subjects, and agrees. Both pages pass axe-core.
func TestBrowserHoldsAndAgreement(t *testing.T) {
	b := startBrowser(t)
	v := startVault(t)
	v.bootstrap(t, "dan")
	v.addUser(t, "dora", "dpo")
	v.addUser(t, "mia", "manager")
	token := createTokenArgs(t, v.stores, "recorder", "pbx")
	wav, _ := makeWAV(t, audio.PCMFormat(8000, 1), 2)
	if r := uploadWAV(t, v.url, token, "s1", wav); r.status != 201 {
		t.Fatalf("upload: %d %s", r.status, r.raw)
	}
	api := v.signIn(t, "dora")
	api.enrolTOTP()
	miaAPI := v.signIn(t, "mia")
	miaAPI.enrolTOTP()
	today := v.clock.now().In(callvault.DefaultZone())

	// The case, its call included and the delegation, through the pages' forms without a browser.
	_, loc, _ := dpoPost(t, api, "/cases", map[string][]string{"type": {"disciplinary"}, "received_at": {today.Format("2006-01-02")},
		"extensions": {"201"}, "names": {"Jane Doe"}})
	caseURL, _, _ := strings.Cut(loc, "?")
	dpoPost(t, api, caseURL+"/search", map[string][]string{"extensions": {"201"}})
	rid := regexp.MustCompile(`name="recording" value="([0-9a-f-]{36})"`).FindStringSubmatch(get(t, api, caseURL+"/search"))
	if rid == nil {
		t.Fatal("nothing found")
	}
	dpoPost(t, api, caseURL+"/recordings", map[string][]string{"recording": {rid[1]}, "reason": {"The call in question."}, "decision": {"include"}})
	if st, _, _ := dpoPost(t, api, "/delegations", map[string][]string{"delegate": {"mia"}, "until": {today.AddDate(0, 1, 0).Format("2006-01-02")}}); st != 303 {
		t.Fatalf("delegation: %d", st)
	}

	signIn := func(name string, secret string) *person {
		p := b.person()
		p.open(v.url + "/login")
		p.signIn(name, "")
		p.wantText("Enter the 6-digit code")
		v.clock.add(30 * time.Second)
		code, _ := totp.GenerateCode(secret, v.clock.now())
		p.signIn("", code)
		p.wantText("Hello, " + name)
		return p
	}
	dora := signIn("dora", api.totp)
	dora.open(v.url + caseURL)
	dora.wantText("Place a hold", "day/month/year")
	review := today.AddDate(0, 6, 0).Format("02/01/2006")
	// Typed, as into a plain text box: the field becomes text, as in a browser without a picker.
	eval[string](dora, `(document.querySelector("#review_at").type = "text")`)
	dora.do(chromedp.SendKeys(chromedp.CSS("#review_at"), review),
		chromedp.SendKeys(chromedp.CSS("#hold-reason"), "A claim is expected."))
	if st := dora.submit(`form[action$="/holds"] button[type=submit]`); st != 200 {
		t.Fatalf("place a hold: %d\n%s", st, dora.text())
	}
	dora.wantText("The hold is placed", "A claim is expected.", "Release")
	dora.checkPage("case-holds")
	if st := dora.submit(`form[action*="/holds/"][action$="/release"] button[type=submit]`); st != 200 {
		t.Fatalf("release: %d\n%s", st, dora.text())
	}
	dora.wantText("The hold is released")
	if strings.Contains(dora.text(), "A claim is expected.") {
		t.Errorf("the released hold is still listed")
	}

	mia := signIn("mia", miaAPI.totp)
	mia.wantText("Disciplinary releases waiting for your agreement")
	mia.checkPage("home-delegate")
	if st := mia.submit(`a[href$="/agreement"]`); st != 200 {
		t.Fatalf("the home page's link to the agreement: %d", st)
	}
	mia.wantText("The recordings the release would disclose", "The call in question.", "201")
	if strings.Contains(mia.text(), "Jane Doe") {
		t.Errorf("the delegate sees the case's subjects")
	}
	mia.checkPage("agreement")
	mia.do(chromedp.SendKeys(chromedp.CSS("#statement"), "Agreed for the panel."))
	if st := mia.submit(`form[action$="/agreement"] button[type=submit]`); st != 200 {
		t.Fatalf("agree: %d\n%s", st, mia.text())
	}
	mia.wantText("Your written agreement to the release is recorded", "Agreed for the panel.", "(by delegation)")
}
