package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
)

// loudCallerWAV is 20 s of 8 kHz PCM16 stereo: a loud tone on the left (the caller) and
// silence on the right (staff).
func loudCallerWAV(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	frames := 8000 * 20
	audio.WriteHeader(&b, audio.PCMFormat(8000, 2), int64(frames*4))
	for i := range frames {
		binary.Write(&b, binary.LittleEndian, [2]int16{int16(20000 * math.Sin(2*math.Pi*300*float64(i)/8000)), 0})
	}
	return b.Bytes()
}

// keyedDigitsWAV is 8 kHz PCM16 mono in which 4111 1111 1111 1111 is keyed as DTMF tones on a
// quiet line: masking (dtmf_mask all) silences them and notes where.
func keyedDigitsWAV(t *testing.T) []byte {
	t.Helper()
	freqs := map[byte][2]float64{'1': {697, 1209}, '4': {770, 1209}}
	var pcm []int16
	quiet := func(ms int) {
		for i := range ms * 8 {
			pcm = append(pcm, int16(30*math.Sin(float64(len(pcm)+i)*0.7)))
		}
	}
	quiet(2000)
	for _, group := range strings.Fields("4111 1111 1111 1111") {
		for _, d := range []byte(group) {
			f := freqs[d]
			for i := range 560 {
				ts := float64(i) / 8000
				pcm = append(pcm, int16(6000*(math.Sin(2*math.Pi*f[0]*ts)+math.Sin(2*math.Pi*f[1]*ts))))
			}
			quiet(70)
		}
		quiet(600)
	}
	quiet(2000)
	var b bytes.Buffer
	audio.WriteHeader(&b, audio.PCMFormat(8000, 1), int64(2*len(pcm)))
	binary.Write(&b, binary.LittleEndian, pcm)
	return b.Bytes()
}

// TestBrowserPlayerFlagsHistoryAndLink drives the pages added beside the access flow (which
// TestBrowserAccessFlow covers: play, seek, speed, another person editing the grant's URL):
//   - the player draws each channel's waveform from the peaks the server computes from the
//     decrypted audio: a loud caller and a silent member of staff differ in the JSON and on the
//     canvas; fetching the peaks is audited as a listening; another person gets 404;
//   - masked digits are marked on the time line, and "Play from here" seeks to them;
//   - staff flag an abusive call: a form that keeps what was typed, then a confirmation with
//     the reference and nothing of the recording;
//   - a manager sees the history of decisions from Approvals: approved (narrowed) and rejected,
//     with statements, expiry and the download choice;
//   - the data subject's listening link asks for the passcode, says when it is wrong, plays
//     without an account (currentTime advances), and says clearly when it has been withdrawn.
//
// Every page passes axe-core and is photographed.
func TestBrowserPlayerFlagsHistoryAndLink(t *testing.T) {
	b := startBrowser(t)
	v := startVault(t, "--dtmf-mask", "all", "--organisation-name", "Riverside Clinic")
	v.bootstrap(t, "dan")
	for _, u := range [][2]string{{"mia", "manager"}, {"sam", "staff"}, {"ola", "staff"}, {"dora", "dpo"}} {
		v.addUser(t, u[0], u[1])
	}
	mia, dora := v.signIn(t, "mia"), v.signIn(t, "dora")
	mia.enrolTOTP()
	dora.enrolTOTP()
	samAPI, olaAPI := v.signIn(t, "sam"), v.signIn(t, "ola")

	// Three calls on extension 301: a loud caller with silent staff, one with keyed card
	// digits (masked), and a third the approval leaves out.
	token := createTokenArgs(t, v.stores, "recorder", "pbx")
	ingest := func(sourceID, at string, wav []byte) string {
		t.Helper()
		body, ct := multipartBody(part{name: "metadata", contentType: "application/json",
			body: metaJSON(sourceID, map[string]any{"started_at": at, "ended_at": nil, "extension": "301"})},
			part{name: "audio", filename: "call.wav", contentType: "audio/wav", body: wav})
		r := upload(t, v.url, token, body, ct)
		if r.status != 201 {
			t.Fatalf("upload %s: %d %s", sourceID, r.status, r.raw)
		}
		return r.body["id"].(string)
	}
	loud := ingest("loud", "2026-11-20T09:00:00Z", loudCallerWAV(t))
	keyed := ingest("keyed", "2026-11-20T09:05:00Z", keyedDigitsWAV(t))
	short, _ := makeWAV(t, audio.PCMFormat(8000, 2), 3)
	other := ingest("other", "2026-11-20T09:10:00Z", short)

	// Requests through the API: sam's is approved for two of the three calls, ola's rejected.
	ask := func(c *client, reason string) string {
		t.Helper()
		st, out := c.call("POST", "/api/v1/access-requests", map[string]any{"purpose": "complaint", "reason": reason,
			"call_from": "2026-11-20T08:50:00Z", "call_to": "2026-11-20T09:30:00Z", "extension": "301"})
		if st != 201 {
			t.Fatalf("request: %d %v", st, out)
		}
		return out["id"].(string)
	}
	samReq, olaReq := ask(samAPI, "The caller complained about the 09:00 call."), ask(olaAPI, "I would like to hear how it went.")
	if st, out := mia.call("POST", "/api/v1/access-requests/"+samReq+"/approve", map[string]any{
		"statement": "Approved for the complaint: the two morning calls only.", "recording_ids": []string{loud, keyed}}); st != 200 {
		t.Fatalf("approve: %d %v", st, out)
	}
	if st, out := mia.call("POST", "/api/v1/access-requests/"+olaReq+"/reject", map[string]any{
		"statement": "Curiosity is not a business need."}); st != 200 {
		t.Fatalf("reject: %d %v", st, out)
	}
	// A second grant of sam's, for the third call, allows download.
	st, out := samAPI.call("POST", "/api/v1/access-requests", map[string]any{"purpose": "complaint", "reason": "The caller asked for a copy.",
		"call_from": "2026-11-20T09:08:00Z", "call_to": "2026-11-20T09:12:00Z", "extension": "301"})
	if st != 201 {
		t.Fatalf("request: %d %v", st, out)
	}
	copyReq := out["id"].(string)
	if st, out := mia.call("POST", "/api/v1/access-requests/"+copyReq+"/approve", map[string]any{
		"statement": "A copy may be kept for the complaint file.", "recording_ids": []string{other}, "download": true}); st != 200 {
		t.Fatalf("approve with download: %d %v", st, out)
	}
	_, got := samAPI.call("GET", "/api/v1/access-requests/"+copyReq, nil)
	copyGrant, _ := got["grant_id"].(string)
	_, got = samAPI.call("GET", "/api/v1/access-requests/"+samReq, nil)
	grantID, _ := got["grant_id"].(string)
	if grantID == "" {
		t.Fatalf("no grant: %v", got)
	}

	// Staff opens the grant: a waveform per channel, drawn from the server's peaks.
	sam := b.person()
	sam.open(v.url + "/login")
	sam.signIn("sam", "")
	if st := sam.open(v.url + "/grants/" + grantID); st != 200 {
		t.Fatalf("the grant page: %d\n%s", st, sam.text())
	}
	sam.wantText("Approved for the complaint", "Access ends", "Caller", "Staff", "Marks on this recording", "Keyed digits silenced from")
	eval[bool](sam, `new Promise(r => { const f = () => document.querySelectorAll("canvas.wave[data-drawn=true]").length >= 3 ? r(true) : setTimeout(f, 50); f(); })`)
	loudSection := `document.querySelector("audio[src='/api/v1/recordings/` + loud + `/audio']").closest(".recording")`
	type peaks struct {
		Buckets  int `json:"buckets"`
		Channels []struct {
			Peaks []int `json:"peaks"`
		} `json:"channels"`
		Labels []string
	}
	pk := eval[peaks](sam, `(async () => {
		const s = `+loudSection+`;
		const w = await fetch(s.querySelector(".waveform").dataset.src).then(r => r.json());
		w.Labels = Array.from(s.querySelectorAll(".lane-label")).map(e => e.textContent);
		return w;
	})()`)
	if pk.Buckets != 1000 || len(pk.Channels) != 2 || fmt.Sprint(pk.Labels) != "[Caller Staff]" {
		t.Fatalf("the loud call's waveform: %d buckets, %d channels, lanes %v", pk.Buckets, len(pk.Channels), pk.Labels)
	}
	peak := func(p []int) (m int) {
		for _, x := range p {
			m = max(m, x, -x)
		}
		return m
	}
	if c, s := peak(pk.Channels[0].Peaks), peak(pk.Channels[1].Peaks); c < 70 || s > 1 {
		t.Errorf("peaks: the caller's channel reaches %d (want the loud tone, about 78), staff's %d (want silence)", c, s)
	}
	// The canvases: a row well above the centre line is inked across the caller's lane and
	// nowhere on staff's.
	inked := eval[[]int](sam, `(() => Array.from(`+loudSection+`.querySelectorAll("canvas.wave")).map(c => {
		const d = c.getContext("2d").getImageData(0, Math.round(c.height * 0.25), c.width, 1).data;
		let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n;
	}))()`)
	if len(inked) != 2 || inked[0] < 900 || inked[1] != 0 {
		t.Errorf("pixels inked a quarter down each lane (caller, staff): %v", inked)
	}
	if n := eval[int](sam, `document.querySelectorAll("a[download]").length`); n != 0 {
		t.Errorf("a download button on a listen-only grant")
	}
	sam.checkPage("player-waveform")
	sam.open(v.url + "/grants/" + copyGrant)
	if n := eval[int](sam, `document.querySelectorAll("a[download]").length`); n != 1 {
		t.Errorf("%d download buttons on a grant that allows download, want 1", n)
	}
	if cd := eval[string](sam, `fetch(document.querySelector("a[download]").href).then(r => r.status + " " + r.headers.get("content-disposition"))`); !strings.HasPrefix(cd, "200 attachment") {
		t.Errorf("the download button's answer: %s", cd)
	}
	sam.open(v.url + "/grants/" + grantID)
	eval[bool](sam, `new Promise(r => { const f = () => document.querySelectorAll("canvas.wave[data-drawn=true]").length >= 3 ? r(true) : setTimeout(f, 50); f(); })`)

	// The masked digits: marked, shaded on the canvas, and "Play from here" seeks there.
	type mark struct {
		Start, Seeked float64
		Shaded        bool
	}
	mk := eval[mark](sam, `(async () => {
		const s = document.querySelector("audio[src='/api/v1/recordings/`+keyed+`/audio']").closest(".recording");
		const li = s.querySelector(".marker-masked");
		const a = s.querySelector("audio");
		if (a.readyState < 1) { a.load(); await new Promise(r => a.addEventListener("loadedmetadata", r, {once: true})); }
		const c = s.querySelector("canvas.wave");
		const x = Math.round((Number(li.dataset.startMs) + Number(li.dataset.endMs)) / 2 / Number(s.querySelector(".waveform").dataset.durationMs) * c.width);
		const px = c.getContext("2d").getImageData(x, 2, 1, 1).data;
		const seeked = new Promise(r => a.addEventListener("seeked", r, {once: true}));
		li.querySelector("button.seek").click();
		await seeked;
		a.pause();
		return {start: Number(li.dataset.startMs) / 1000, seeked: a.currentTime, shaded: px[3] > 0};
	})()`)
	if mk.Start < 1.9 || mk.Start > 2.2 || mk.Seeked < mk.Start-0.05 || mk.Seeked > mk.Start+1 || !mk.Shaded {
		t.Errorf("the first masked stretch: %+v (want it near 2 s, the player there, the canvas shaded)", mk)
	}
	eval[bool](sam, `document.querySelector("audio[src='/api/v1/recordings/`+keyed+`/audio']").closest(".recording").scrollIntoView(); true`)
	sam.screenshot("player-marks")

	// Computing the peaks is a listening. Within one, the player's audio requests and the
	// peaks share the first one's audit event; after a rest longer than listen_pause, fetching
	// the peaks alone starts a new, audited listening.
	waveListens := func() (n int) {
		for _, e := range v.events(t) {
			if e.Action == callvault.ActionRecordingListen && e.Object == "recording:"+loud && strings.Contains(e.Detail, `"range":"waveform"`) {
				n++
			}
		}
		return n
	}
	before := waveListens() // 0 or 1: the page's first request for the loud call, audio or peaks, started its listening
	v.clock.add(6 * time.Minute)
	if st := eval[int](sam, `fetch(`+loudSection+`.querySelector(".waveform").dataset.src).then(r => r.status)`); st != 200 {
		t.Fatalf("the peaks after a rest: %d", st)
	}
	if n := waveListens() - before; n != 1 {
		t.Errorf("%d listenings started by computing the peaks after a rest, want 1", n)
	}

	// Another member of staff edits the URL: no peaks.
	ola := b.person()
	ola.open(v.url + "/login")
	ola.signIn("ola", "")
	src := eval[string](sam, loudSection+`.querySelector(".waveform").dataset.src`)
	if st := eval[int](ola, `fetch("`+src+`").then(r => r.status)`); st != 404 {
		t.Errorf("another person fetched the peaks: %d", st)
	}

	// Staff flag an abusive call: the message keeps what was typed; then the reference only.
	sam.open(v.url + "/flag")
	sam.wantText("Flag an abusive call", "you will not see or hear it")
	sam.checkPage("flag")
	note := "The caller shouted and threatened me."
	sam.do(chromedp.SendKeys(chromedp.CSS("#note"), note))
	if st := sam.submit(`form[action="/flag"] button[type=submit]`); st != 400 {
		t.Fatalf("a flag without a time or extension: %d", st)
	}
	sam.wantText("Please check the form", "Enter the extension that took the call.", "Enter when the call was")
	if got := eval[string](sam, `document.querySelector("#note").value`); got != note {
		t.Errorf("after the refusal the note holds %q", got)
	}
	sam.checkPage("flag-errors")
	sam.do(chromedp.SetValue(chromedp.CSS("#call_time"), "2026-11-20T09:05"), chromedp.SendKeys(chromedp.CSS("#extension"), "301"))
	if st := sam.submit(`form[action="/flag"] button[type=submit]`); st != 200 {
		t.Fatalf("the flag: %d\n%s", st, sam.text())
	}
	sam.wantText("the call is flagged", "Reference")
	if n := eval[int](sam, `document.querySelectorAll("audio, .recording").length`); n != 0 || strings.Contains(sam.text(), "09:05") {
		t.Errorf("the flag's confirmation shows the call")
	}
	sam.checkPage("flag-done")
	if n := countActions(v.events(t), callvault.ActionCaseFlag); n != 1 {
		t.Errorf("%d case.flag events", n)
	}

	// The manager's history of decisions.
	man := b.person()
	man.open(v.url + "/login")
	man.signIn("mia", "")
	v.clock.add(30 * time.Second)
	code, _ := totp.GenerateCode(mia.totp, v.clock.now())
	man.signIn("", code)
	man.open(v.url + "/approvals")
	man.submit(`a[href="/approvals/history"]`)
	man.wantText("Decisions", "Approved", "Rejected", "Approved for the complaint: the two morning calls only.",
		"Curiosity is not a business need.", "2 of 3 matched", "narrowed", "Listen only", "sam", "ola")
	if cur := eval[string](man, `document.querySelector("nav a[aria-current=page]").getAttribute("href")`); cur != "/approvals" {
		t.Errorf("the history's current nav item is %q", cur)
	}
	man.checkPage("decisions")

	// The DPO issues a listening link with a passcode for the loud call.
	st, out = dora.call("POST", "/api/v1/cases", map[string]any{"type": "subject_access", "received_at": v.clock.now().Format(time.RFC3339),
		"subjects": map[string]any{"numbers": []string{"+447700900123"}}})
	if st != 201 {
		t.Fatalf("open case: %d %v", st, out)
	}
	caseID := out["id"].(string)
	if st, out := dora.call("POST", "/api/v1/cases/"+caseID+"/search", map[string]any{}); st != 200 {
		t.Fatalf("search: %d %v", st, out)
	}
	if st, out := dora.call("POST", "/api/v1/cases/"+caseID+"/recordings", map[string]any{"recording_id": loud, "include": true, "reason": "the requester's call"}); st != 200 {
		t.Fatalf("include: %d %v", st, out)
	}
	st, out = dora.call("POST", "/api/v1/cases/"+caseID+"/links", map[string]any{"passcode": "sesame-42", "max_plays": 1})
	if st != 201 {
		t.Fatalf("link: %d %v", st, out)
	}
	linkID, linkURL := out["id"].(string), out["url"].(string)

	// Its security headers: nothing leaves with the secret, nothing is kept, no script runs.
	resp, err := http.Get(linkURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	h := resp.Header
	if csp := h.Get("Content-Security-Policy"); h.Get("Referrer-Policy") != "no-referrer" || h.Get("Cache-Control") != "no-store" ||
		h.Get("X-Robots-Tag") != "noindex" || strings.Contains(csp, "script-src") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("the listening page's headers: %v", h)
	}

	anon := b.person()
	if st := anon.open(linkURL); st != 401 {
		t.Fatalf("the link without its passcode: %d", st)
	}
	anon.wantText("Enter your passcode", "sent to you separately")
	anon.checkPage("listen-passcode")
	anon.do(chromedp.SendKeys(chromedp.CSS("#passcode"), "wrong-guess"))
	if st := anon.submit(`button[type=submit]`); st != 401 {
		t.Fatalf("a wrong passcode: %d", st)
	}
	anon.wantText("The passcode is wrong")
	anon.do(chromedp.SendKeys(chromedp.CSS("#passcode"), "sesame-42"))
	if st := anon.submit(`button[type=submit]`); st != 200 {
		t.Fatalf("the right passcode: %d\n%s", st, anon.text())
	}
	anon.wantText("Riverside Clinic", "Recordings of your calls", "Call of Fri 20 Nov 2026, 09:00 GMT", "0:20")
	for _, leak := range []string{"callvault", "Jane", "07700", "Sign out", "Home"} {
		if strings.Contains(eval[string](anon, `document.documentElement.outerHTML`), leak) {
			t.Errorf("the listening page shows %q", leak)
		}
	}
	if n := eval[int](anon, `document.scripts.length`); n != 0 {
		t.Errorf("the listening page has %d scripts", n)
	}
	anon.checkPage("listen")
	played := eval[float64](anon, `(async () => {
		const a = document.querySelector("audio");
		await a.play();
		await new Promise(r => { const f = () => { if (a.currentTime >= 0.5) { a.removeEventListener("timeupdate", f); r(); } }; a.addEventListener("timeupdate", f); f(); });
		a.pause();
		return a.currentTime;
	})()`)
	if played < 0.5 {
		t.Errorf("the link's audio played to %v s", played)
	}
	if n := countActions(v.events(t), callvault.ActionCaseLinkPlay); n != 1 {
		t.Errorf("%d plays of the link audited", n)
	}
	// Played out: the page says so and offers no player.
	anon.open(linkURL)
	anon.wantText("played as many times as this link allows", "ask the Data Protection Officer for a new link")
	if n := eval[int](anon, `document.querySelectorAll("audio").length`); n != 0 {
		t.Errorf("%d players on a played-out link", n)
	}
	anon.checkPage("listen-played-out")
	if st, out := dora.call("POST", "/api/v1/cases/"+caseID+"/links/"+linkID+"/revoke", map[string]any{}); st != 200 {
		t.Fatalf("revoke: %d %v", st, out)
	}
	if st := anon.open(linkURL); st != 404 {
		t.Fatalf("a withdrawn link: %d", st)
	}
	anon.wantText("This link no longer works", "has expired or was withdrawn")
	anon.checkPage("listen-gone")
}
