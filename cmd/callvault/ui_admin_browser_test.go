package main

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
	"github.com/callvault/callvault/internal/retention"
)

// startVaultSwept is startVault that returns once the scheduler's first retention sweep has
// run, so that a recording uploaded afterwards stays past retention until the next one (an
// hour later).
func startVaultSwept(t *testing.T) *pvault {
	t.Helper()
	v := &pvault{clock: &testClock{t: time.Now().UTC().Truncate(time.Second)}, stdout: &syncBuffer{}, log: &syncBuffer{}}
	data := t.TempDir()
	v.stores = []string{"--data", data}
	var once sync.Once
	swept := make(chan struct{})
	v.server = startServerWith(t, func(m *Main) {
		m.Now = v.clock.now
		m.Stdout = v.stdout
		m.Logger = slog.New(slog.NewJSONHandler(v.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
		m.onJobPoll = func(job, _ string, held bool) {
			if job == retention.LeaseName && held {
				once.Do(func() { close(swept) })
			}
		}
	}, "--data", data, "--log-level", "debug", "--session-idle", "24h", "--session-max", "48h", "--unrecorded", "299,+442079460999")
	<-swept
	return v
}

// signInWithCode signs a browser person in as name, whose TOTP secret is secret.
func (p *person) signInWithCode(v *pvault, name, secret string) {
	p.b.t.Helper()
	p.open(v.url + "/login")
	p.signIn(name, "")
	p.wantText("Enter the 6-digit code")
	v.clock.add(30 * time.Second) // a fresh time step: codes are used once
	code, _ := totp.GenerateCode(secret, v.clock.now())
	p.signIn("", code)
}

// html is the page's markup, hidden fields and input values included.
func (p *person) html() string {
	return eval[string](p, `document.documentElement.outerHTML + Array.from(document.querySelectorAll("input")).map(i => i.value).join(" ")`)
}

// TestBrowserAdministration: a Director adds a person and sees the set-password link once (it
// works, and no later page shows it); a Director may not make a second DPO, and the page says
// so; a Director creates a machine token whose secret is shown once and works, then revokes it
// and it stops working; the settings page shows the retention, the unrecorded lines and who
// has acknowledged the notice. Every page passes axe-core and is photographed.
func TestBrowserAdministration(t *testing.T) {
	b := startBrowser(t)
	v := startVault(t, "--unrecorded", "299,+442079460999")
	v.bootstrap(t, "dan")
	v.addUser(t, "dora", "dpo")
	api := v.signIn(t, "dan")
	api.enrolTOTP()

	dan := b.person()
	dan.signInWithCode(v, "dan", api.totp)
	dan.wantText("Hello, dan", "Admin", "Compliance")
	dan.submit(`nav a[href="/admin"]`)
	dan.submit(`nav.subnav a[href="/admin/users"]`)
	dan.wantText("Users and roles", "dan", "dora", "Data Protection Officer", "Add a person")
	dan.checkPage("admin-users")

	// Adding without a role: the message, and what was typed kept.
	dan.do(chromedp.SendKeys(chromedp.CSS("#name"), "nina"), chromedp.SendKeys(chromedp.CSS("#email"), "nina@example.org"),
		chromedp.Click(chromedp.CSS("#role-staff")))
	if st := dan.submit(`form[action="/admin/users"] button[type=submit]`); st != 400 {
		t.Fatalf("adding without a role: %d", st)
	}
	dan.wantText("Please check the form", "Choose at least one role")
	if got := eval[string](dan, `document.querySelector("#name").value + " " + document.querySelector("#email").value`); got != "nina nina@example.org" {
		t.Errorf("after the refusal the form holds %q", got)
	}
	dan.checkPage("admin-users-errors")
	dan.do(chromedp.Click(chromedp.CSS("#role-staff")), chromedp.Click(chromedp.CSS("#role-manager")))
	if st := dan.submit(`form[action="/admin/users"] button[type=submit]`); st != 200 {
		t.Fatalf("adding nina: %d\n%s", st, dan.text())
	}
	dan.wantText("nina is added", "shown now and never again", "Manager, Staff")
	link := eval[string](dan, `document.querySelector("#setup-link").value`)
	m := bootstrapRE.FindStringSubmatch(link)
	if !strings.HasPrefix(link, v.url+"/setup?token=") || m == nil {
		t.Fatalf("the set-password link is %q", link)
	}
	dan.checkPage("admin-user-added")
	dan.open(v.url + "/admin/users")
	if strings.Contains(dan.html(), m[1]) {
		t.Fatal("the users page shows the set-password link again")
	}
	dan.wantText("nina", "Manager, Staff")
	// The link works, once: nina sets her password and signs in.
	nina := b.person()
	nina.open(link)
	nina.wantText("Set your password")
	nina.do(chromedp.SendKeys(chromedp.CSS("#password"), pw), chromedp.SendKeys(chromedp.CSS("#confirm"), pw))
	nina.submit(`form[action="/setup"] button[type=submit]`)
	nina.open(v.url + "/login")
	nina.signIn("nina", "")
	nina.wantText("Calls are recorded")

	// A Director may not make a second DPO: the rules say no, on the page.
	dan.do(chromedp.SendKeys(chromedp.CSS("#name"), "eve"), chromedp.Click(chromedp.CSS("#role-dpo")))
	if st := dan.submit(`form[action="/admin/users"] button[type=submit]`); st != 403 {
		t.Fatalf("a Director adding a second DPO: %d\n%s", st, dan.text())
	}
	dan.wantText("Please check the form")
	if got := eval[string](dan, `document.querySelector("#roles .field-error").textContent`); !strings.Contains(strings.ToLower(got), "dpo") {
		t.Errorf("the roles' message is %q", got)
	}
	// Changing roles and disabling.
	dan.open(v.url + "/admin/users")
	ninaID := eval[string](dan, `Array.from(document.querySelectorAll("tbody tr")).find(r => r.textContent.includes("nina")).querySelector("a").getAttribute("href")`)
	dan.open(v.url + ninaID)
	dan.wantText("nina", "Roles", "Disable the account")
	dan.checkPage("admin-user-edit")
	dan.do(chromedp.Click(chromedp.CSS("#role-manager")))
	dan.submit(`form[action$="/roles"] button`)
	dan.wantText("The roles are changed")
	if row := eval[string](dan, `Array.from(document.querySelectorAll("tbody tr")).find(r => r.textContent.includes("nina")).textContent`); strings.Contains(row, "Manager") {
		t.Errorf("nina is still a manager: %q", row)
	}
	dan.open(v.url + ninaID)
	dan.submit(`form[action$="/disable"] button`)
	dan.wantText("The account is disabled")
	if row := eval[string](dan, `Array.from(document.querySelectorAll("tbody tr")).find(r => r.textContent.includes("nina")).textContent`); !strings.Contains(row, "Disabled") {
		t.Errorf("nina is not shown disabled: %q", row)
	}
	nina.open(v.url + "/")
	if !strings.Contains(nina.url(), "/login") {
		t.Errorf("a disabled person's session still works: %s", nina.url())
	}

	// A machine token: created, its secret shown once and working; revoked, and it stops.
	dan.open(v.url + "/admin/tokens")
	dan.wantText("Machine tokens", "There are no tokens yet")
	dan.checkPage("admin-tokens")
	dan.do(chromedp.SendKeys(chromedp.CSS("#name"), "pbx-main"), chromedp.SetValue(chromedp.CSS("#role"), "recorder"))
	if st := dan.submit(`form[action="/admin/tokens"] button[type=submit]`); st != 200 {
		t.Fatalf("creating a token: %d\n%s", st, dan.text())
	}
	dan.wantText("Token pbx-main is created", "shown now and never again")
	secret := eval[string](dan, `document.querySelector("#token-secret").value`)
	if !strings.HasPrefix(secret, "cv_") {
		t.Fatalf("the token's secret is %q", secret)
	}
	dan.checkPage("admin-token-created")
	wav, _ := makeWAV(t, audio.PCMFormat(8000, 2), 1)
	if r := uploadWAV(t, v.url, secret, "call-token-1", wav); r.status != 201 {
		t.Fatalf("an upload with the new token: %d %s", r.status, r.raw)
	}
	dan.open(v.url + "/admin/tokens")
	if strings.Contains(dan.html(), secret) {
		t.Fatal("the tokens page shows the secret again")
	}
	dan.wantText("pbx-main", "Recorder", "Live")
	dan.submit(`form[action$="/revoke"] button`)
	dan.wantText("The token is revoked", "Revoked")
	if r := uploadWAV(t, v.url, secret, "call-token-2", wav); r.status != 401 {
		t.Fatalf("an upload with the revoked token: %d %s", r.status, r.raw)
	}
	for _, action := range []string{"token.create", "token.revoke", "user.create", "user.update", "user.disable"} {
		if countActions(v.events(t), action) == 0 {
			t.Errorf("no %s event", action)
		}
	}

	// Settings: retention, unrecorded lines, the notice and who has acknowledged it.
	dan.submit(`nav.subnav a[href="/admin"]`)
	dan.wantText("Retention", "6 months after the call", "Unrecorded lines", "299", "+442079460999",
		"Acknowledged (1)", "Not yet acknowledged (1)", "dora")
	dan.checkPage("admin-settings")
}

// TestBrowserAuditAndCompliance: the auditor runs a verification and sees it pass (the button
// starts a background job; the page shows its progress and then its result, which the log
// keeps); the audit log filters by action; the compliance page shows the retention clause's
// live figure, before and after a recording past retention exists.
func TestBrowserAuditAndCompliance(t *testing.T) {
	b := startBrowser(t)
	v := startVaultSwept(t)
	v.bootstrap(t, "dan")
	v.addUser(t, "al", "auditor")

	al := b.person()
	al.open(v.url + "/login")
	al.signIn("al", "")
	al.submit(`form[action="/notice"] button`)
	al.wantText("Hello, al", "Audit log", "Compliance")
	al.submit(`nav a[href="/audit"]`)
	al.wantText("Audit log", "The log has not been verified yet", "Newest events", "server.start")
	al.checkPage("audit")

	// The verification: click, then wait for the page to show the result (progress.js polls
	// and reloads the page when the run ends).
	al.do(chromedp.Click(chromedp.CSS("#verify-run")), chromedp.WaitVisible(`#verify-last.verify-ok`))
	al.wantText("The last verification passed", "by user:al")
	type progress struct {
		Running        bool
		OK             bool
		Checked, Total int64
	}
	pr := eval[progress](al, `fetch("/audit/verify/progress").then(r => r.json())`)
	if pr.Running || !pr.OK || pr.Total == 0 || pr.Checked != pr.Total {
		t.Errorf("the progress after the run: %+v", pr)
	}
	al.checkPage("audit-verified")
	if n := countActions(v.events(t), "audit.verify"); n != 1 {
		t.Errorf("%d audit.verify events, want 1", n)
	}

	// Filters: the verification's own event.
	al.do(chromedp.SendKeys(chromedp.CSS("#action"), "audit.verify"))
	al.submit(`form[action="/audit"] button[type=submit]`)
	rows := eval[[]string](al, `Array.from(document.querySelectorAll(".audit-table tbody tr")).map(r => r.textContent)`)
	if len(rows) != 1 || !strings.Contains(rows[0], "user:al") || !strings.Contains(rows[0], "result: ok") {
		t.Errorf("the log filtered by audit.verify: %q", rows)
	}
	al.checkPage("audit-filtered")
	al.open(v.url + "/audit?actor=nobody-at-all")
	al.wantText("No event matches")
	if st := al.open(v.url + "/audit?from=yesterday"); st != 400 {
		t.Errorf("a bad time: %d", st)
	}
	al.wantText("Enter a date and time")

	// Compliance: nothing past retention after the first sweep.
	al.open(v.url + "/compliance")
	al.wantText("Compliance report", "Recordings are deleted after the retention period", "0 recordings past retention without a hold",
		"0 plays without a grant or case in the audit log this month", "The last verification of the audit log passed")
	if st := eval[string](al, `document.querySelector("#clause-5\\.8 .state").textContent`); st != "Met" {
		t.Errorf("the retention clause is %q with nothing past retention", st)
	}
	al.checkPage("compliance")
	if n := eval[int](al, `Array.from(document.styleSheets).reduce((n, s) => n + Array.from(s.cssRules).filter(r => r.media && r.media.mediaText === "print").length, 0)`); n != 1 {
		t.Errorf("%d print stylesheet blocks", n)
	}

	// A recording started long ago is past retention until the next sweep: the figure follows.
	token := createTokenArgs(t, v.stores, "recorder", "pbx")
	wav, _ := makeWAV(t, audio.PCMFormat(8000, 2), 1)
	body, ct := multipartBody(part{name: "metadata", contentType: "application/json",
		body: metaJSON("old-call", map[string]any{"started_at": "2020-01-06T10:00:00Z", "ended_at": nil, "extension": "201"})},
		part{name: "audio", filename: "call.wav", contentType: "audio/wav", body: wav})
	if r := upload(t, v.url, token, body, ct); r.status != 201 {
		t.Fatalf("upload: %d %s", r.status, r.raw)
	}
	al.open(v.url + "/compliance")
	al.wantText("1 recording past retention without a hold")
	if st := eval[string](al, `document.querySelector("#clause-5\\.8 .state").textContent`); st != "Needs attention" {
		t.Errorf("the retention clause is %q with a recording past retention", st)
	}
	al.checkPage("compliance-attention")
}

// TestAdminPageRecompute: while a recompute moves the deletion dates to a new retention
// setting, the settings page says so; once done, it does not.
func TestAdminPageRecompute(t *testing.T) {
	v := startVaultSwept(t) // the first sweep has recorded that the dates follow 6 months
	v.bootstrap(t, "dan")
	dan := v.signIn(t, "dan")
	if page := get(t, dan, "/admin"); !strings.Contains(page, "6 months after the call") || strings.Contains(page, "Being recomputed") {
		t.Fatalf("the settings page before a change:\n%.3000s", page)
	}
	rs := v.main.Catalogue.(callvault.RetentionStore)
	ev := &callvault.AuditEvent{Time: time.Now(), Actor: string(callvault.ActorSystem), Action: callvault.ActionRetentionRecompute, Object: "retention"}
	if err := rs.UpdateRetainUntil(context.Background(), nil, 12, "", false, ev); err != nil {
		t.Fatal(err)
	}
	if page := get(t, dan, "/admin"); !strings.Contains(page, "Being recomputed") || !strings.Contains(page, "from 6 months") {
		t.Fatalf("the settings page during a recompute:\n%.3000s", page)
	}
}
