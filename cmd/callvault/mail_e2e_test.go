package main

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/mail"
	"github.com/callvault/callvault/internal/mailtest"
)

// enqueueCaseMail queues a case-opened message in the catalogue of a stopped vault, as a
// workflow would, and returns it.
func enqueueCaseMail(t *testing.T, data, ref string) *callvault.MailMessage {
	t.Helper()
	m := mainFor(t, "--data", data)
	defer m.Close()
	msg, err := mail.NewCaseOpenedMail([]string{"dpo@example.org"}, ref, "https://vault.example.org/cases/"+ref)
	if err != nil {
		t.Fatal(err)
	}
	store, ok := m.Catalogue.(callvault.MailStore)
	if !ok {
		t.Fatal("the catalogue has no outbox")
	}
	ev := &callvault.AuditEvent{Time: time.Now(), Actor: "user:dpo", Action: "case.open", Object: ref}
	if err := store.EnqueueMail(context.Background(), msg, ev); err != nil {
		t.Fatalf("EnqueueMail: %v", err)
	}
	return msg
}

// serve with --smtp sends what was queued while no server ran, once, across restarts; the
// password of the SMTP URL is in no log line and no audit detail.
func TestServeSendsQueuedMailOnce(t *testing.T) {
	mp := mailtest.New(t, mailtest.Options{Auth: true})
	const password = "smtp-pa55word-e2e"
	smtpURL := "smtp://callvault:" + password + "@" + mp.SMTPAddr + "?from=callvault@vault.example.org"
	data := t.TempDir()
	logs := &syncBuffer{}
	withLogs := func(m *Main) {
		m.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	first := enqueueCaseMail(t, data, "SAR-2026-0100")
	s := startServerWith(t, withLogs, "--data", data, "--smtp", smtpURL)
	got, err := mp.WaitMessages(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got[0].MessageID != first.ID+"@vault.example.org" || strings.Join(got[0].Recipients(), ",") != "dpo@example.org" ||
		got[0].Username != "callvault" {
		t.Fatalf("received %+v; want the queued message to dpo@example.org, sent as user callvault", got[0])
	}
	s.stop() // waits for the sender, which records the delivery before it returns

	second := enqueueCaseMail(t, data, "SAR-2026-0101")
	s = startServerWith(t, withLogs, "--data", data, "--smtp", smtpURL)
	if got, err = mp.WaitMessages(ctx, 2); err != nil {
		t.Fatal(err)
	}
	s.stop()
	seen := map[string]int{}
	all, err := mp.Messages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range all {
		seen[m.MessageID]++
	}
	if len(all) != 2 || seen[first.ID+"@vault.example.org"] != 1 || seen[second.ID+"@vault.example.org"] != 1 {
		t.Fatalf("mailpit holds %v; want each message once", seen)
	}

	m := mainFor(t, "--data", data)
	if pending, err := m.Catalogue.(callvault.MailStore).MailMessages(ctx, true, "", 10); err != nil || len(pending) != 0 {
		t.Errorf("pending mail after delivery: %v, %v", pending, err)
	}
	evs, err := m.Catalogue.AuditEvents(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var sent []string
	for _, ev := range evs {
		if ev.Action == callvault.ActionMailSent {
			sent = append(sent, ev.Object)
		}
		if strings.Contains(ev.Detail, password) {
			t.Errorf("audit event %d (%s) holds the SMTP password: %s", ev.Seq, ev.Action, ev.Detail)
		}
	}
	if strings.Join(sent, ",") != first.ID+","+second.ID {
		t.Errorf("mail.sent events for %v, want the two messages in order", sent)
	}
	if strings.Contains(logs.String(), password) {
		t.Errorf("the logs hold the SMTP password:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "mail sent") {
		t.Errorf("no delivery was logged:\n%s", logs.String())
	}
	m.Close()
	if code, out, e := cli(t, "audit", "verify", "--data", data); code != 0 {
		t.Errorf("audit verify after mail was sent = %d\n%s%s", code, out, e)
	}
}

func TestSMTPSettingIsValidated(t *testing.T) {
	for _, bad := range []string{"mail.example.org", "smtp://mail.example.org", "smtp://h?from=Bob <b@x.org>"} {
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		registerConfigFlags(fs)
		if err := fs.Parse([]string{"--smtp", bad}); err != nil {
			t.Fatal(err)
		}
		_, err := LoadConfig(fs, func(string) string { return "" })
		if err == nil || !strings.Contains(err.Error(), "smtp") {
			t.Errorf("--smtp %q: %v, want an error naming smtp", bad, err)
		}
	}
}

func TestMailStatusAndSendCommands(t *testing.T) {
	mp := mailtest.New(t, mailtest.Options{})
	data := t.TempDir()
	msg := enqueueCaseMail(t, data, "SAR-2026-0200")

	code, out, errOut := cli(t, "mail", "status", "--data", data)
	if code != 0 || !strings.Contains(out, msg.ID) || !strings.Contains(out, "SAR-2026-0200") || !strings.Contains(out, "1 messages waiting") {
		t.Fatalf("mail status = %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := cli(t, "mail", "send", "--data", data); code == 0 || !strings.Contains(errOut, "--smtp") {
		t.Fatalf("mail send without --smtp = %d, %s; want an error with a hint about --smtp", code, errOut)
	}
	code, out, errOut = cli(t, "mail", "send", "--data", data, "--smtp", "smtp://"+mp.SMTPAddr+"?from=callvault@vault.example.org")
	if code != 0 || !strings.Contains(out, "sent 1, failed 0") {
		t.Fatalf("mail send = %d\n%s%s", code, out, errOut)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if got, err := mp.WaitMessages(ctx, 1); err != nil || got[0].MessageID != msg.ID+"@vault.example.org" {
		t.Fatalf("mailpit: %v, %v", got, err)
	}
	if code, out, _ := cli(t, "mail", "status", "--data", data); code != 0 || !strings.Contains(out, "0 messages waiting") {
		t.Errorf("mail status after send = %d\n%s", code, out)
	}
	if code, out, _ := cli(t, "mail", "status", "--all", "--data", data); code != 0 || !strings.Contains(out, "sent ") || !strings.Contains(out, msg.ID) {
		t.Errorf("mail status --all = %d\n%s", code, out)
	}
	if code, _, errOut := cli(t, "mail", "bogus"); code == 0 || !strings.Contains(errOut, "status or send") {
		t.Errorf("mail bogus = %d, %s", code, errOut)
	}
}
