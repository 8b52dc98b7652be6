package main

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/callvault/callvault/internal/audio"
)

// TestBrowserAccessFlow drives the pages in a real browser against the real server: the first
// Director is created through the link serve printed and acknowledges the notice at first
// sign-in, then sets up TOTP from a QR code page; staff asks for a call, leaving out the
// purpose, and gets the message with everything typed kept; a manager (TOTP enrolled through
// the API) signs in with a code, sees the matched recordings, narrows them and approves with a
// statement; staff plays the recording and seeks (the player reaches the sought time and plays
// on); another person cannot open the grant by editing the URL. Every page passes axe-core
// without serious or critical violations, and is photographed at laptop and phone width.
func TestBrowserAccessFlow(t *testing.T) {
	b := startBrowser(t)
	v := startVault(t)

	// First run: the bootstrap link, then the notice at first sign-in.
	link := regexp.MustCompile(`http://\S+/setup\?token=cvl_[A-Za-z0-9_-]+`).FindString(v.stdout.String())
	if link == "" {
		t.Fatalf("serve printed no bootstrap link:\n%s", v.stdout.String())
	}
	dan := b.person()
	if st := dan.open(link); st != 200 {
		t.Fatalf("bootstrap link: %d", st)
	}
	dan.wantText("Set up callvault", "Director")
	dan.checkPage("setup")
	dan.do(chromedp.SendKeys(chromedp.CSS("#username"), "dan"), chromedp.SendKeys(chromedp.CSS("#password"), pw),
		chromedp.SendKeys(chromedp.CSS("#confirm"), pw))
	if st := dan.submit(`button[type=submit]`); st != 200 {
		t.Fatalf("bootstrap form: %d\n%s", st, dan.text())
	}
	dan.wantText("Your account is ready")
	dan.checkPage("login")
	dan.signIn("dan", "")
	dan.wantText("Calls are recorded", "I have read this notice")
	dan.checkPage("notice")
	dan.submit(`form[action="/notice"] button`)
	dan.wantText("Hello, dan", "set up a second factor")
	dan.checkPage("home-director")

	// The Director sets up TOTP from the page's QR code (the key beside it is what it encodes).
	dan.open(v.url + "/account/totp")
	dan.submit(`form[action="/account/totp"] button`)
	if n := eval[int](dan, `document.querySelectorAll("svg.qr path").length`); n != 1 {
		t.Fatalf("the enrolment page has no QR code")
	}
	dan.checkPage("totp")
	secret := eval[string](dan, `document.querySelector("code.secret").textContent`)
	code, _ := totp.GenerateCode(secret, v.clock.now())
	dan.do(chromedp.SendKeys(chromedp.CSS("#code"), code))
	dan.submit(`form[action="/account/totp/confirm"] button`)
	dan.wantText("The authenticator app is set up", "recovery codes")
	dan.checkPage("recovery-codes")
	dan.open(v.url + "/account")
	dan.wantText("An authenticator app is set up")
	dan.checkPage("account")

	v.addUser(t, "mia", "manager")
	v.addUser(t, "sam", "staff")
	v.addUser(t, "ola", "staff")
	mia := v.signIn(t, "mia")
	mia.enrolTOTP() // through the API; the browser signs in with a code computed here

	// Two calls on extension 201, three minutes long, ten minutes apart.
	token := createTokenArgs(t, v.stores, "recorder", "pbx")
	for i, at := range []string{"2026-11-20T10:00:00Z", "2026-11-20T10:10:00Z"} {
		wav, _ := makeWAV(t, audio.PCMFormat(8000, 2), 180)
		body, ct := multipartBody(part{name: "metadata", contentType: "application/json",
			body: metaJSON(fmt.Sprint("call-", i), map[string]any{"started_at": at, "ended_at": nil, "extension": "201"})},
			part{name: "audio", filename: "call.wav", contentType: "audio/wav", body: wav})
		if r := upload(t, v.url, token, body, ct); r.status != 201 {
			t.Fatalf("upload: %d %s", r.status, r.raw)
		}
	}

	// Staff asks, forgetting the purpose: the message, and everything typed kept.
	sam := b.person()
	sam.open(v.url + "/")
	sam.signIn("sam", "")
	sam.submit(`form[action="/notice"] button`)
	sam.wantText("Hello, sam", "Request access to a call", "My grants", "My requests")
	sam.checkPage("home-staff")
	sam.submit(`a.button.primary[href="/requests/new"]`)
	sam.checkPage("request")
	reason := "The caller says she was promised a refund; I need to check what was agreed."
	sam.do(chromedp.SendKeys(chromedp.CSS("#reason"), reason),
		chromedp.SetValue(chromedp.CSS("#call_time"), "2026-11-20T10:05"),
		chromedp.SendKeys(chromedp.CSS("#extension"), "201"),
		chromedp.SendKeys(chromedp.CSS("#parties"), "Jane Doe"))
	if st := sam.submit(`form[action="/requests"] button[type=submit]`); st != 400 {
		t.Fatalf("a request without a purpose: %d", st)
	}
	sam.wantText("Please check the form", "Purpose: Choose the purpose from the list.")
	for sel, want := range map[string]string{"#reason": reason, "#extension": "201", "#parties": "Jane Doe", "#call_time": "2026-11-20T10:05"} {
		if got := eval[string](sam, `document.querySelector("`+sel+`").value`); got != want {
			t.Errorf("after the refusal %s holds %q, want what was typed, %q", sel, got, want)
		}
	}
	if got := eval[string](sam, `document.querySelector("#purpose-error").textContent`); !strings.Contains(got, "Choose the purpose") {
		t.Errorf("the purpose's message is %q", got)
	}
	if inv := eval[string](sam, `document.querySelector("#purpose").getAttribute("aria-invalid")`); inv != "true" {
		t.Errorf("the purpose is not marked invalid: %q", inv)
	}
	sam.checkPage("request-errors")
	sam.do(chromedp.SetValue(chromedp.CSS("#purpose"), "complaint"))
	if st := sam.submit(`form[action="/requests"] button[type=submit]`); st != 200 {
		t.Fatalf("the request: %d\n%s", st, sam.text())
	}
	sam.wantText("Your request has been sent", "Waiting for a decision", "Complaint")
	sam.checkPage("my-requests")

	// The manager signs in: the password alone asks for the code.
	man := b.person()
	man.open(v.url + "/login")
	man.signIn("mia", "")
	man.wantText("Enter the 6-digit code")
	v.clock.add(30 * time.Second)
	code, _ = totp.GenerateCode(mia.totp, v.clock.now())
	man.signIn("", code)
	man.wantText("Hello, mia", "Waiting for your decision", "Complaint")
	man.checkPage("home-manager")
	man.open(v.url + "/approvals")
	man.wantText("sam", "Review")
	man.checkPage("approvals")
	man.submit(`a.button[href^="/approvals/"]`)
	man.wantText("Matching recordings", "Fri 20 Nov 2026, 10:00 GMT", "Fri 20 Nov 2026, 10:10 GMT", "Jane Doe", "3:00", reason)
	if utc := eval[string](man, `document.querySelector("td time").getAttribute("title")`); utc != "2026-11-20 10:00:00 UTC" {
		t.Errorf("a recording's time carries %q on hover, want the UTC time", utc)
	}
	man.checkPage("approval")
	// Narrow to the first call; approve with a statement, listen only.
	man.do(chromedp.Click(chromedp.CSS(`tbody tr:nth-child(2) input[type=checkbox]`)),
		chromedp.SendKeys(chromedp.CSS("#statement"), "Approved for the complaint of 20 November; the 10:00 call only."))
	if st := man.submit(`button[value=approve]`); st != 200 {
		t.Fatalf("approve: %d\n%s", st, man.text())
	}
	man.wantText("Your decision and statement are recorded", "No requests are waiting for you")

	// Staff listens, and seeks.
	sam.open(v.url + "/")
	sam.wantText("My grants", "Complaint: 1 recording")
	sam.submit(`a[href^="/grants/"]`)
	grantURL := sam.url()
	sam.wantText("Approved for the complaint", "Access ends", "Call of Fri 20 Nov 2026, 10:00 GMT")
	if n := eval[int](sam, `document.querySelectorAll("audio.player").length`); n != 1 {
		t.Fatalf("%d players, want 1 (the narrowed set)", n)
	}
	if n := eval[int](sam, `document.querySelectorAll("a[download]").length`); n != 0 {
		t.Errorf("a download link on a listen-only grant")
	}
	sam.checkPage("grant")
	type played struct {
		Seeked, After, Duration float64
		Paused                  bool
	}
	got := eval[played](sam, `(async () => {
		const a = document.querySelector("audio.player");
		if (a.readyState < 1) await new Promise(r => a.addEventListener("loadedmetadata", r, {once: true}));
		await a.play();
		const seeked = new Promise(r => a.addEventListener("seeked", r, {once: true}));
		a.currentTime = 150;
		await seeked;
		const at = a.currentTime;
		await new Promise(r => { const f = () => { if (a.currentTime >= 150.5) { a.removeEventListener("timeupdate", f); r(); } }; a.addEventListener("timeupdate", f); f(); });
		return {seeked: at, after: a.currentTime, duration: a.duration, paused: a.paused};
	})()`)
	if got.Seeked < 149.9 || got.After < 150.5 || got.Paused || got.Duration < 179 || got.Duration > 181 {
		t.Errorf("the player after seeking to 150 s: %+v", got)
	}
	// The player's own buttons (player.js, the only script): back 10 s, and speed.
	type tools struct {
		Before, After, Rate float64
		Shown               bool
	}
	tl := eval[tools](sam, `(async () => {
		const a = document.querySelector("audio.player");
		const shown = !document.querySelector(".player-tools").hidden;
		const before = a.currentTime;
		const seeked = new Promise(r => a.addEventListener("seeked", r, {once: true}));
		document.querySelector("button[data-skip='-10']").click();
		await seeked;
		const s = document.querySelector("select.speed");
		s.value = "1.5";
		s.dispatchEvent(new Event("change"));
		return {before: before, after: a.currentTime, rate: a.playbackRate, shown: shown};
	})()`)
	if !tl.Shown || tl.After > tl.Before-9 || tl.After < tl.Before-11 || tl.Rate != 1.5 {
		t.Errorf("the player's buttons: %+v", tl)
	}
	if n := countActions(v.events(t), "recording.listen"); n < 1 {
		t.Errorf("%d listening events", n)
	}

	// Another person edits the URL: not found, and no audio either.
	ola := b.person()
	ola.open(v.url + "/login")
	ola.signIn("ola", "")
	ola.submit(`form[action="/notice"] button`)
	if st := ola.open(grantURL); st != 404 {
		t.Fatalf("another person opened %s: %d\n%s", grantURL, st, ola.text())
	}
	ola.wantText("Not found", "no live grant of yours")
	ola.checkPage("not-found")
	src := eval[string](sam, `document.querySelector("audio.player").getAttribute("src")`)
	if st := eval[int](ola, `fetch("`+src+`").then(r => r.status)`); st != 404 {
		t.Errorf("another person fetched the audio: %d", st)
	}

	// The public notice.
	anon := b.person()
	if st := anon.open(v.url + "/privacy/call-recording"); st != 200 {
		t.Fatalf("privacy page: %d", st)
	}
	anon.wantText("Call recording", "Telephone calls made and received")
	anon.checkPage("privacy")
}

// signIn fills the sign-in form (the user name only when given) and sends it.
func (p *person) signIn(name, code string) {
	p.b.t.Helper()
	if name != "" {
		p.do(chromedp.Clear(chromedp.CSS("#username")), chromedp.SendKeys(chromedp.CSS("#username"), name))
	}
	p.do(chromedp.SendKeys(chromedp.CSS("#password"), pw))
	if code != "" {
		p.do(chromedp.SendKeys(chromedp.CSS("#totp"), code))
	}
	p.submit(`form[action="/login"] button[type=submit]`)
}
