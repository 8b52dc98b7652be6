package mailtest

import (
	"context"
	"net/smtp"
	"strings"
	"testing"
	"time"
)

func TestMailpitReceivesAndKeepsMailAcrossRestart(t *testing.T) {
	mp := New(t, Options{})
	msg := "From: a@example.org\r\nTo: b@example.org\r\nSubject: hello\r\nMessage-ID: <m1@example.org>\r\n\r\nbody text\r\n"
	if err := smtp.SendMail(mp.SMTPAddr, nil, "a@example.org", []string{"b@example.org", "hidden@example.org"}, []byte(msg)); err != nil {
		t.Fatalf("SendMail: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	got, err := mp.WaitMessages(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	m := got[0]
	if m.MessageID != "m1@example.org" || m.Subject != "hello" || !strings.Contains(m.Text, "body text") {
		t.Errorf("message = %+v", m)
	}
	if r := strings.Join(m.Recipients(), ","); r != "b@example.org,hidden@example.org" {
		t.Errorf("Recipients() = %s, want the To address and the envelope-only one", r)
	}
	if err := mp.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := smtp.SendMail(mp.SMTPAddr, nil, "a@example.org", []string{"b@example.org"}, []byte(msg)); err == nil {
		t.Fatal("a stopped mailpit accepted mail")
	}
	if err := mp.Start(); err != nil {
		t.Fatal(err)
	}
	if all, err := mp.Messages(ctx); err != nil || len(all) != 1 {
		t.Fatalf("after restart: %d messages, %v; want the one kept", len(all), err)
	}
}
