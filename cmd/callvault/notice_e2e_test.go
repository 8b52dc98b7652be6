package main

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/mailtest"
)

// A Director e-mails the staff notice to everyone: through the outbox and a real SMTP server,
// each enabled user with an address gets exactly one message (disabled users and users without
// an address none), holding the version and a link but not the notice; the sending is
// audited. The list of who has not acknowledged shrinks as people acknowledge, over the API
// and on the command line, where `notice send` queues the same messages again.
func TestNoticeSendAndPending(t *testing.T) {
	mp := mailtest.New(t, mailtest.Options{})
	smtp := "smtp://" + mp.SMTPAddr + "?from=callvault@vault.example.org"
	v := startVault(t, "--smtp", smtp, "--public-url", "https://vault.example.org")
	v.bootstrap(t, "dan") // the first Director has no e-mail address
	for _, u := range []struct{ name, email, role string }{
		{"max", "max@example.org", "director"},
		{"mia", "mia@example.org", "manager"},
		{"sam", "sam@example.org", "staff"},
		{"ann", "ann@example.org", "auditor"},
		{"dis", "dis@example.org", "staff"},
		{"nom", "", "staff"},
	} {
		args := append([]string{"users", "add", u.name, "--password-stdin", "--role", u.role}, v.stores...)
		if u.email != "" {
			args = append(args, "--email", u.email)
		}
		var o, e bytes.Buffer
		if code := run(context.Background(), args, strings.NewReader(pw+"\n"), &o, &e, testEnv(&o, &e).getenv); code != 0 {
			t.Fatalf("users add %s: exit %d: %s", u.name, code, e.String())
		}
	}
	if code, _, e := cli(t, append([]string{"users", "disable", "dis"}, v.stores...)...); code != 0 {
		t.Fatalf("users disable: %s", e)
	}
	dan := v.signIn(t, "dan")
	pending := func(want ...string) {
		t.Helper()
		st, out := dan.call("GET", "/api/v1/notice/pending", nil)
		got := fmt.Sprint(out["users"])
		slices.Sort(want)
		if st != 200 || got != fmt.Sprint(want) {
			t.Errorf("pending: %d %s, want %v", st, got, want)
		}
		code, stdout, stderr := cli(t, append([]string{"notice", "pending"}, v.stores...)...)
		if code != 0 || !strings.Contains(stdout, fmt.Sprintf("%d people have not acknowledged notice version 1", len(want))) {
			t.Errorf("notice pending: exit %d\n%s%s", code, stdout, stderr)
		}
		for _, name := range []string{"dan", "max", "mia", "sam", "ann", "nom"} {
			if listed := strings.Contains(stdout, "\n"+name+" "); listed != slices.Contains(want, name) {
				t.Errorf("notice pending lists %s: %t, want %t\n%s", name, listed, !listed, stdout)
			}
		}
	}
	pending("ann", "max", "mia", "nom", "sam")

	mia := v.signIn(t, "mia") // a manager may not send the notice
	if st, out := mia.call("POST", "/api/v1/notice/send", map[string]any{}); st != 403 {
		t.Errorf("manager sends the notice: %d %v", st, out)
	}
	st, out := dan.call("POST", "/api/v1/notice/send", map[string]any{})
	if st != 200 || fmt.Sprint(out["mailed"]) != "[ann max mia sam]" || fmt.Sprint(out["no_email"]) != "[dan nom]" {
		t.Fatalf("notice send: %d %v", st, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	want := []string{"ann@example.org", "max@example.org", "mia@example.org", "sam@example.org"}
	checkRound := func(round int) {
		t.Helper()
		msgs, err := mp.WaitMessages(ctx, round*len(want))
		if err != nil {
			t.Fatal(err)
		}
		var rcpt []string
		for _, m := range msgs {
			r := m.Recipients()
			if len(r) != 1 {
				t.Errorf("a notice message went to %v, want one person each", r)
			}
			rcpt = append(rcpt, r...)
			if !strings.Contains(m.Subject, "version 1") || !strings.Contains(m.Text, "https://vault.example.org/notice") {
				t.Errorf("message lacks the version or link: %s\n%s", m.Subject, m.Text)
			}
			if strings.Contains(m.Text, "Card payments") {
				t.Errorf("the message carries the notice's text:\n%s", m.Text)
			}
		}
		slices.Sort(rcpt)
		var wantAll []string
		for _, a := range want {
			for range round {
				wantAll = append(wantAll, a)
			}
		}
		if fmt.Sprint(rcpt) != fmt.Sprint(wantAll) {
			t.Errorf("round %d: mail reached %v, want %v", round, rcpt, wantAll)
		}
		// The outbox holds exactly the messages mailpit has: none is still to come.
		queued, err := v.main.Catalogue.(callvault.MailStore).MailMessages(ctx, false, "", 100)
		if err != nil || len(queued) != round*len(want) {
			t.Errorf("outbox after round %d: %d messages, %v", round, len(queued), err)
		}
	}
	checkRound(1)

	v.signIn(t, "sam") // signing in acknowledges the notice
	pending("ann", "max", "nom")

	code, stdout, stderr := cli(t, append([]string{"notice", "send", "--public-url", "https://vault.example.org"}, v.stores...)...)
	if code != 0 || !strings.Contains(stdout, "queued for 4 people") || !strings.Contains(stdout, "dan, nom") {
		t.Fatalf("notice send: exit %d\n%s%s", code, stdout, stderr)
	}
	if code, stdout, stderr := cli(t, append([]string{"mail", "send", "--smtp", smtp}, v.stores...)...); code != 0 {
		t.Fatalf("mail send: exit %d\n%s%s", code, stdout, stderr)
	}
	checkRound(2)

	evs := v.events(t)
	v.server.stop()
	var actors []string
	for _, ev := range evs {
		if ev.Action == callvault.ActionNoticeSend {
			actors = append(actors, ev.Actor)
		}
		if ev.Action == callvault.ActionMailQueued && strings.Contains(fmt.Sprint(ev.Detail), "@example.org") {
			t.Errorf("an audit event holds an e-mail address: %v", ev.Detail)
		}
	}
	if len(actors) != 2 || actors[0] != "user:dan" || !strings.HasPrefix(actors[1], "cli:") {
		t.Errorf("notice.send events by %v, want user:dan then the operator", actors)
	}
	if n := countActions(evs, callvault.ActionMailQueued); n != 8 {
		t.Errorf("%d mail.queued events, want 8", n)
	}
	if code, out, e := cli(t, append([]string{"audit", "verify"}, v.stores...)...); code != 0 {
		t.Errorf("audit verify = %d\n%s%s", code, out, e)
	}
}
