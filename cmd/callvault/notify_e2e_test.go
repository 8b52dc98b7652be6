package main

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
	"github.com/callvault/callvault/internal/mailtest"
)

// A new access request e-mails exactly the people who may decide it, through the outbox and a
// real SMTP server: directors and managers for a complaint, the DPO for a disciplinary
// request; never the requester, the auditor or staff; and the message holds the request's
// reference and a link, nothing the request said about the call.
func TestAccessRequestMailsExactlyTheDeciders(t *testing.T) {
	mp := mailtest.New(t, mailtest.Options{})
	v := startVault(t, "--smtp", "smtp://"+mp.SMTPAddr+"?from=callvault@vault.example.org",
		"--public-url", "https://vault.example.org")
	v.bootstrap(t, "dan")
	for _, u := range []struct {
		name, email string
		roles       []string
	}{
		{"max", "max@example.org", []string{"director"}},
		{"mia", "mia@example.org", []string{"manager", "staff"}},
		{"dora", "dora@example.org", []string{"dpo"}},
		{"sam", "sam@example.org", []string{"staff"}},
		{"ann", "ann@example.org", []string{"auditor"}},
	} {
		args := append([]string{"users", "add", u.name, "--password-stdin", "--email", u.email}, v.stores...)
		for _, r := range u.roles {
			args = append(args, "--role", r)
		}
		var o, e bytes.Buffer
		if code := run(context.Background(), args, strings.NewReader(pw+"\n"), &o, &e, testEnv(&o, &e).getenv); code != 0 {
			t.Fatalf("users add %s: exit %d: %s", u.name, code, e.String())
		}
	}
	token := createTokenArgs(t, v.stores, "recorder", "pbx")
	wav, _ := makeWAV(t, audio.PCMFormat(8000, 1), 2)
	body, ct := multipartBody(part{name: "metadata", contentType: "application/json",
		body: metaJSON("m1", map[string]any{"started_at": "2026-11-20T10:00:00Z", "ended_at": nil, "extension": "201"})},
		part{name: "audio", filename: "call.wav", contentType: "audio/wav", body: wav})
	if r := upload(t, v.url, token, body, ct); r.status != 201 {
		t.Fatalf("upload: %d %s", r.status, r.raw)
	}

	sam := v.signIn(t, "sam")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ask := func(purpose string) string {
		st, out := sam.call("POST", "/api/v1/access-requests", map[string]any{
			"purpose": purpose, "reason": "caller says she was promised a refund by Jane Doe",
			"extension": "201", "call_time": "2026-11-20T10:00:00Z", "external_number": "07700 900123"})
		if st != 201 {
			t.Fatalf("request (%s): %d %v", purpose, st, out)
		}
		return out["id"].(string)
	}
	check := func(n int, id string, want ...string) {
		t.Helper()
		if _, err := mp.WaitMessages(ctx, n); err != nil {
			t.Fatal(err)
		}
		all, err := mp.Messages(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got *mailtest.Message
		for i := range all {
			if full, err := mp.Message(ctx, all[i].ID); err == nil && strings.Contains(full.Text, id) {
				got = full
			}
		}
		if got == nil {
			t.Fatalf("no message names request %s among %d", id, len(all))
		}
		rcpt := got.Recipients()
		slices.Sort(rcpt)
		if strings.Join(rcpt, ",") != strings.Join(want, ",") {
			t.Errorf("request %s mailed %v, want exactly %v", id, rcpt, want)
		}
		for _, leak := range []string{"201", "07700", "900123", "Jane", "refund"} {
			if strings.Contains(got.Text+got.Subject, leak) {
				t.Errorf("the message for %s holds %q from the request:\n%s", id, leak, got.Text)
			}
		}
		if !strings.Contains(got.Text, "https://vault.example.org/") {
			t.Errorf("the message has no link to the vault:\n%s", got.Text)
		}
	}
	check(1, ask("complaint"), "max@example.org", "mia@example.org")
	check(2, ask("disciplinary"), "dora@example.org")

	evs := v.events(t)
	v.server.stop()
	if n := countActions(evs, callvault.ActionMailQueued); n != 2 {
		t.Errorf("%d mail.queued events, want 2", n)
	}
	if code, out, e := cli(t, append([]string{"audit", "verify"}, v.stores...)...); code != 0 {
		t.Errorf("audit verify = %d\n%s%s", code, out, e)
	}
}
