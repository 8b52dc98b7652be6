package pci

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/mail"
)

type fakeStore struct {
	events []*callvault.AuditEvent
	mails  []*callvault.MailMessage
}

func (f *fakeStore) AppendAudit(_ context.Context, ev *callvault.AuditEvent) error {
	f.events = append(f.events, ev)
	return nil
}

func (f *fakeStore) EnqueueMail(_ context.Context, m *callvault.MailMessage, ev *callvault.AuditEvent) error {
	f.mails = append(f.mails, m)
	f.events = append(f.events, ev)
	return nil
}

func flagged() *callvault.Recording {
	return &callvault.Recording{ID: callvault.NewID(), Source: callvault.SourceSIPREC,
		Attributes: map[string]string{callvault.AttrDTMFMasked: "16", callvault.AttrCardDataKeyed: "true"}}
}

// TestAlertMailsTheDPO: the event and the message go to the store together; the message is the
// PCI template (the sender accepts it), to the DPO's addresses, naming the recording only.
func TestAlertMailsTheDPO(t *testing.T) {
	st := &fakeStore{}
	var logs bytes.Buffer
	a := &Alerter{Store: st, DPO: StaticRecipients{"dpo@example.org", "deputy@example.org"},
		Link: func(id string) string { return "https://vault.example.org/recordings/" + id }, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	r := flagged()
	if err := a.CardDataKeyed(context.Background(), r, "siprec"); err != nil {
		t.Fatal(err)
	}
	if len(st.mails) != 1 || len(st.events) != 1 {
		t.Fatalf("%d mails, %d events; want one of each", len(st.mails), len(st.events))
	}
	m, ev := st.mails[0], st.events[0]
	if m.Kind != callvault.MailPCIAlert || m.Reference != r.ID || strings.Join(m.To, ",") != "dpo@example.org,deputy@example.org" ||
		!strings.Contains(m.Subject, "card data keyed on a recorded line") {
		t.Errorf("message %+v", m)
	}
	if err := mail.Verify(m); err != nil {
		t.Errorf("the sender would refuse it: %v", err)
	}
	if ev.Action != callvault.ActionPCICardDataKeyed || ev.Object != "recording:"+r.ID || ev.Actor != "siprec" ||
		!strings.Contains(ev.Detail, m.ID) || !strings.Contains(ev.Detail, `"dpo_mailed":2`) {
		t.Errorf("event %+v", ev)
	}
}

// TestAlertWithoutDPO: no address is set: the event is written, a warning says no one was told.
func TestAlertWithoutDPO(t *testing.T) {
	st := &fakeStore{}
	var logs bytes.Buffer
	a := &Alerter{Store: st, DPO: StaticRecipients(nil), Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	r := flagged()
	if err := a.CardDataKeyed(context.Background(), r, "upload"); err != nil {
		t.Fatal(err)
	}
	if len(st.mails) != 0 || len(st.events) != 1 || st.events[0].Action != callvault.ActionPCICardDataKeyed {
		t.Fatalf("mails %v events %v; want the event alone", st.mails, st.events)
	}
	if !strings.Contains(logs.String(), "no DPO e-mail address") || !strings.Contains(logs.String(), r.ID) {
		t.Errorf("log: %s", logs.String())
	}
	if err := (&Alerter{}).CardDataKeyed(context.Background(), r, "upload"); !callvault.IsKind(err, callvault.KindInternal) {
		t.Errorf("without a store: %v", err)
	}
}
