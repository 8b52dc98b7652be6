package mail_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/mail"
	"github.com/callvault/callvault/internal/mailtest"
	"github.com/google/go-cmp/cmp"
)

func TestQueuedMailReachesExactlyItsRecipients(t *testing.T) {
	mp := mailtest.New(t, mailtest.Options{})
	db, _ := tempCatalogue(t)
	a := caseMail(t, "SAR-2026-0001", "dpo@example.org")
	b, err := mail.NewAccessRequestMail([]string{"manager1@example.org", "director@example.org"}, "AR-17",
		"https://vault.example.org/requests/AR-17")
	if err != nil {
		t.Fatal(err)
	}
	enqueue(t, db, a)
	enqueue(t, db, b)

	res := runOnce(t, newSender(db, smtpTo(t, mp), "node-a", nil))
	if res != (mail.Result{Sent: 2}) {
		t.Fatalf("RunOnce = %+v, want 2 sent", res)
	}
	got := received(t, mp, 2)
	if len(got) != 2 {
		t.Fatalf("mailpit holds %d messages, want 2", len(got))
	}
	byID := map[string]*mailtest.Message{}
	for _, m := range got {
		byID[m.MessageID] = m
	}
	for _, want := range []*callvault.MailMessage{a, b} {
		m := byID[want.ID+"@vault.example.org"]
		if m == nil {
			t.Fatalf("no message with Message-ID %s@vault.example.org; got %+v", want.ID, got)
		}
		if diff := cmp.Diff(sorted(want.To), sorted(m.Recipients())); diff != "" {
			t.Errorf("%s reached (-want +got):\n%s", want.Reference, diff)
		}
		if m.From == nil || m.From.Address != "callvault@vault.example.org" || m.Subject != want.Subject {
			t.Errorf("%s: from %v, subject %q; want callvault@vault.example.org, %q", want.Reference, m.From, m.Subject, want.Subject)
		}
		if !strings.Contains(m.Text, want.Link) || !strings.Contains(m.Text, want.Reference) {
			t.Errorf("%s: text %q lacks the reference or the link", want.Reference, m.Text)
		}
	}
	if p := outbox(t, db, true); len(p) != 0 {
		t.Errorf("%d messages still pending after delivery", len(p))
	}
	for _, m := range outbox(t, db, false) {
		if !m.Sent() || m.Attempts != 1 {
			t.Errorf("outbox: %s sent %v after %d attempts; want sent after 1", m.ID, m.SentAt, m.Attempts)
		}
	}
	evs, err := db.AuditEvents(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var sent []string
	for _, ev := range evs {
		if ev.Action == callvault.ActionMailSent {
			sent = append(sent, ev.Object)
			if strings.Contains(ev.Detail, "@") {
				t.Errorf("mail.sent detail names an address: %s", ev.Detail)
			}
		}
	}
	if diff := cmp.Diff(sorted([]string{a.ID, b.ID}), sorted(sent)); diff != "" {
		t.Errorf("mail.sent events (-want +got):\n%s", diff)
	}
	if res := runOnce(t, newSender(db, smtpTo(t, mp), "node-a", nil)); res != (mail.Result{}) {
		t.Errorf("second RunOnce = %+v, want nothing to do", res)
	}
}

// A message queued by one process is sent once by the next, after a restart; a message whose
// sender stopped normally mid-batch is not sent twice, and the rest of the batch goes at once.
func TestRestartSendsQueuedMailOnce(t *testing.T) {
	mp := mailtest.New(t, mailtest.Options{})
	db, path := tempCatalogue(t)
	queued := caseMail(t, "SAR-2026-0002", "dpo@example.org")
	enqueue(t, db, queued)
	db.Close() // the process stops before its sender ran

	db2 := openSQLite(t, path)
	if res := runOnce(t, newSender(db2, smtpTo(t, mp), "restarted", nil)); res.Sent != 1 {
		t.Fatalf("after restart RunOnce = %+v, want 1 sent", res)
	}
	if res := runOnce(t, newSender(db2, smtpTo(t, mp), "restarted", nil)); res != (mail.Result{}) {
		t.Fatalf("RunOnce again = %+v, want nothing", res)
	}

	// A normal stop in the middle of a batch: the message being sent is finished and recorded,
	// the others are released.
	var batch []*callvault.MailMessage
	for _, ref := range []string{"C-10", "C-11", "C-12"} {
		m := caseMail(t, ref, "dpo@example.org")
		enqueue(t, db2, m)
		batch = append(batch, m)
	}
	ctx, stop := context.WithCancel(context.Background())
	stopping := &stopAfterFirst{Transport: smtpTo(t, mp), stop: stop}
	res, err := newSender(db2, stopping, "stopping", nil).RunOnce(ctx)
	if err != nil || res.Sent != 1 {
		t.Fatalf("RunOnce stopped mid-batch = %+v, %v; want 1 sent", res, err)
	}
	db2.Close()
	db3 := openSQLite(t, path)
	if res := runOnce(t, newSender(db3, smtpTo(t, mp), "after-stop", nil)); res.Sent != 2 {
		t.Fatalf("after the stop RunOnce = %+v, want the 2 released messages sent at once", res)
	}
	got := received(t, mp, 4)
	seen := map[string]int{}
	for _, m := range got {
		seen[m.MessageID]++
	}
	for _, m := range append([]*callvault.MailMessage{queued}, batch...) {
		if n := seen[m.ID+"@vault.example.org"]; n != 1 {
			t.Errorf("message %s arrived %d times, want once", m.Reference, n)
		}
	}
	if len(got) != 4 {
		t.Errorf("mailpit holds %d messages, want 4", len(got))
	}
}

// stopAfterFirst sends, then cancels the sender's context after the first delivery, as a
// shutdown arriving during a send would.
type stopAfterFirst struct {
	mail.Transport
	stop func()
}

func (s *stopAfterFirst) Send(ctx context.Context, m *callvault.MailMessage) error {
	err := s.Transport.Send(ctx, m)
	s.stop()
	return err
}

// A sender that died mid-send leaves its claim; the message goes out once the claim has ended,
// with the same Message-ID (at least once).
func TestCrashedSenderClaimExpires(t *testing.T) {
	mp := mailtest.New(t, mailtest.Options{})
	db, _ := tempCatalogue(t)
	clk := newClock()
	m := caseMail(t, "C-20", "dpo@example.org")
	m.CreatedAt = clk.Now()
	enqueue(t, db, m)
	if _, err := db.ClaimMail(context.Background(), "crashed", clk.Now(), clk.Now().Add(5*time.Minute), 10); err != nil {
		t.Fatal(err)
	}
	s := newSender(db, smtpTo(t, mp), "survivor", clk)
	if res := runOnce(t, s); res != (mail.Result{}) {
		t.Fatalf("RunOnce while the crashed sender's claim holds = %+v, want nothing", res)
	}
	clk.Add(5 * time.Minute)
	if res := runOnce(t, s); res.Sent != 1 {
		t.Fatalf("RunOnce after the claim ended = %+v, want 1 sent", res)
	}
	if got := received(t, mp, 1); got[0].MessageID != m.ID+"@vault.example.org" {
		t.Errorf("Message-ID %q, want %s@vault.example.org", got[0].MessageID, m.ID)
	}
}

func TestSMTPDownRetriedWithBackoff(t *testing.T) {
	mp := mailtest.New(t, mailtest.Options{})
	if err := mp.Stop(); err != nil {
		t.Fatal(err)
	}
	db, _ := tempCatalogue(t)
	clk := newClock()
	m := caseMail(t, "C-30", "dpo@example.org")
	m.CreatedAt = clk.Now()
	enqueue(t, db, m)
	s := newSender(db, smtpTo(t, mp), "node", clk) // backoff 1m, 2m, 4m ... 1h

	wantState := func(attempts int, next time.Time) {
		t.Helper()
		got := outbox(t, db, true)
		if len(got) != 1 || got[0].Attempts != attempts || !got[0].NextAttempt.Equal(next) {
			t.Fatalf("outbox = %+v; want 1 pending message, %d attempts, next at %s", got[0], attempts, next)
		}
		if !strings.Contains(got[0].LastError, mp.SMTPAddr) || !strings.Contains(got[0].LastError, "connect") {
			t.Errorf("last error %q does not say the server could not be reached", got[0].LastError)
		}
	}
	if res := runOnce(t, s); res != (mail.Result{Failed: 1}) {
		t.Fatalf("RunOnce with SMTP down = %+v, want 1 failed", res)
	}
	wantState(1, clk.Now().Add(time.Minute))
	clk.Add(time.Minute - time.Microsecond)
	if res := runOnce(t, s); res != (mail.Result{}) {
		t.Fatalf("RunOnce before the backoff ended = %+v, want nothing", res)
	}
	clk.Add(time.Microsecond)
	if res := runOnce(t, s); res != (mail.Result{Failed: 1}) {
		t.Fatalf("second attempt = %+v, want 1 failed", res)
	}
	wantState(2, clk.Now().Add(2*time.Minute))

	if err := mp.Start(); err != nil { // the server comes back
		t.Fatal(err)
	}
	clk.Add(time.Minute)
	if res := runOnce(t, s); res != (mail.Result{}) {
		t.Fatalf("RunOnce before the doubled backoff ended = %+v, want nothing", res)
	}
	clk.Add(time.Minute)
	if res := runOnce(t, s); res != (mail.Result{Sent: 1}) {
		t.Fatalf("RunOnce once the server is back = %+v, want 1 sent", res)
	}
	got := received(t, mp, 1)
	if len(got) != 1 || got[0].MessageID != m.ID+"@vault.example.org" {
		t.Fatalf("mailpit holds %+v, want the one message", got)
	}
	if sent := outbox(t, db, false); sent[0].Attempts != 3 || !sent[0].Sent() {
		t.Errorf("outbox after delivery: %+v, want sent on the 3rd attempt", sent[0])
	}
}

// A message not built by a constructor (hand-written text that could hold call details) is
// never sent; the outbox shows why.
func TestHandWrittenMailIsRefused(t *testing.T) {
	mp := mailtest.New(t, mailtest.Options{})
	db, _ := tempCatalogue(t)
	m := caseMail(t, "C-40", "dpo@example.org")
	m.Body += "The caller, Bob Jones on 07700 900123, said ...\n"
	enqueue(t, db, m)
	good := caseMail(t, "C-41", "dpo@example.org")
	enqueue(t, db, good)
	if res := runOnce(t, newSender(db, smtpTo(t, mp), "node", nil)); res != (mail.Result{Sent: 1, Refused: 1}) {
		t.Fatalf("RunOnce = %+v, want 1 sent, 1 refused", res)
	}
	got := received(t, mp, 1)
	if len(got) != 1 || got[0].MessageID != good.ID+"@vault.example.org" {
		t.Fatalf("mailpit holds %d messages (%+v), want only the good one", len(got), got)
	}
	p := outbox(t, db, true)
	if len(p) != 1 || p[0].ID != m.ID || !strings.HasPrefix(p[0].LastError, "refused:") {
		t.Fatalf("pending = %+v, want the hand-written message, refused", p)
	}
}

// Run sends at start, then sleeps for Poll unless woken: Wake after enqueueing sends at once.
func TestRunSendsWhenWoken(t *testing.T) {
	mp := mailtest.New(t, mailtest.Options{})
	db, _ := tempCatalogue(t)
	enqueue(t, db, caseMail(t, "C-60", "dpo@example.org"))
	s := newSender(db, smtpTo(t, mp), "node", nil)
	s.Poll = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.Run(ctx) }()
	received(t, mp, 1)
	enqueue(t, db, caseMail(t, "C-61", "dpo@example.org"))
	s.Wake()
	received(t, mp, 2)
	cancel()
	<-done
	if p := outbox(t, db, true); len(p) != 0 {
		t.Errorf("%d messages pending after Run stopped", len(p))
	}
}

// The largest message (MaxMailRecipients recipients, a folded To header) arrives whole.
func TestMostRecipients(t *testing.T) {
	mp := mailtest.New(t, mailtest.Options{})
	db, _ := tempCatalogue(t)
	var to []string
	for i := range callvault.MaxMailRecipients {
		to = append(to, fmt.Sprintf("staff-member-%03d@departments.example.org", i))
	}
	m, err := mail.NewStaffNoticeMail(to, "3", "https://vault.example.org/notice")
	if err != nil {
		t.Fatal(err)
	}
	enqueue(t, db, m)
	if res := runOnce(t, newSender(db, smtpTo(t, mp), "node", nil)); res.Sent != 1 {
		t.Fatalf("RunOnce = %+v, want 1 sent", res)
	}
	got := received(t, mp, 1)
	if diff := cmp.Diff(sorted(to), sorted(got[0].Recipients())); diff != "" {
		t.Errorf("recipients (-want +got):\n%s", diff)
	}
	if len(got[0].To) != len(to) {
		t.Errorf("the To header names %d addresses, want %d", len(got[0].To), len(to))
	}
}
