package storetest

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/google/go-cmp/cmp"
)

// MailCatalogue is what the outbox suite needs of a backend: the outbox and the audit log its
// changes append to.
type MailCatalogue interface {
	callvault.MailStore
	callvault.AuditStore
}

// RunMail runs the conformance suite of callvault.MailStore. Every subtest gets its own empty
// catalogue from open, which must close it when the test ends.
func RunMail(t *testing.T, open func(t *testing.T) MailCatalogue) {
	t.Run("Enqueue", func(t *testing.T) { testMailEnqueue(t, open(t)) })
	t.Run("Claim", func(t *testing.T) { testMailClaim(t, open(t)) })
	t.Run("Sent", func(t *testing.T) { testMailSent(t, open(t)) })
	t.Run("Failed", func(t *testing.T) { testMailFailed(t, open(t)) })
	t.Run("Takeover", func(t *testing.T) { testMailTakeover(t, open(t)) })
	t.Run("Release", func(t *testing.T) { testMailRelease(t, open(t)) })
	t.Run("ConcurrentClaims", func(t *testing.T) { testMailConcurrentClaims(t, open(t)) })
	t.Run("List", func(t *testing.T) { testMailList(t, open(t)) })
}

// newMail returns a valid message created at base+n minutes.
func newMail(n int) *callvault.MailMessage {
	return &callvault.MailMessage{
		ID:        callvault.NewID(),
		To:        []string{fmt.Sprintf("dpo%d@example.org", n), "director@example.org"},
		Subject:   fmt.Sprintf("callvault: case C-%d opened \u00e9", n),
		Body:      fmt.Sprintf("Case C-%d was opened.\nhttps://vault.example.org/cases/%d\n", n, n),
		Kind:      callvault.MailCaseOpened,
		Reference: fmt.Sprintf("C-%d", n),
		Link:      fmt.Sprintf("https://vault.example.org/cases/%d", n),
		CreatedAt: base.Add(time.Duration(n) * time.Minute),
	}
}

func enqueue(t testing.TB, s MailCatalogue, m *callvault.MailMessage) {
	t.Helper()
	if err := s.EnqueueMail(ctx(), m, newEvent("case.open", m.ID)); err != nil {
		t.Fatalf("EnqueueMail(%s): %v", m.ID, err)
	}
}

func claim(t testing.TB, s MailCatalogue, holder string, now time.Time, limit int) []*callvault.MailMessage {
	t.Helper()
	ms, err := s.ClaimMail(ctx(), holder, now, now.Add(5*time.Minute), limit)
	if err != nil {
		t.Fatalf("ClaimMail(%s, %s): %v", holder, now, err)
	}
	return ms
}

func mailIDs(ms []*callvault.MailMessage) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

// mailByID reads one message back through the status list.
func mailByID(t testing.TB, s MailCatalogue, id string) *callvault.MailMessage {
	t.Helper()
	after := ""
	for {
		ms, err := s.MailMessages(ctx(), false, after, 100)
		if err != nil {
			t.Fatalf("MailMessages: %v", err)
		}
		if len(ms) == 0 {
			t.Fatalf("message %s is not in the outbox", id)
		}
		for _, m := range ms {
			if m.ID == id {
				return m
			}
		}
		after = ms[len(ms)-1].ID
	}
}

func testMailEnqueue(t *testing.T, s MailCatalogue) {
	m := newMail(1)
	ev := newEvent("case.open", m.ID)
	if err := s.EnqueueMail(ctx(), m, ev); err != nil {
		t.Fatalf("EnqueueMail: %v", err)
	}
	if ev.Seq != 1 || ev.Hash == "" {
		t.Errorf("EnqueueMail did not seal its event: %+v", ev)
	}
	evs := auditLog(t, s)
	if len(evs) != 1 || evs[0].Object != m.ID {
		t.Fatalf("audit log after EnqueueMail = %+v, want the one event", evs)
	}
	want := *m
	want.NextAttempt = m.CreatedAt // defaults to CreatedAt
	if diff := cmp.Diff(&want, mailByID(t, s, m.ID), cmpOpts); diff != "" {
		t.Errorf("stored message (-want +got):\n%s", diff)
	}

	later := newMail(2)
	later.NextAttempt = later.CreatedAt.Add(time.Hour)
	enqueue(t, s, later)
	if got := mailByID(t, s, later.ID).NextAttempt; !got.Equal(later.NextAttempt.UTC().Truncate(time.Microsecond)) {
		t.Errorf("NextAttempt = %s, want %s as given", got, later.NextAttempt)
	}

	dup := newMail(3)
	dup.ID = m.ID
	wantKind(t, s.EnqueueMail(ctx(), dup, newEvent("case.open", dup.ID)), callvault.KindConflict, "EnqueueMail(same ID)")
	bad := newMail(4)
	bad.To = []string{"dpo@example.org\r\nBcc: leak@example.net"}
	wantKind(t, s.EnqueueMail(ctx(), bad, newEvent("case.open", bad.ID)), callvault.KindInvalid, "EnqueueMail(bad recipient)")
	wantKind(t, s.EnqueueMail(ctx(), newMail(5), nil), callvault.KindInvalid, "EnqueueMail(no event)")
	wantKind(t, s.EnqueueMail(ctx(), nil, newEvent("case.open", "x")), callvault.KindInvalid, "EnqueueMail(nil)")
	if n := len(auditLog(t, s)); n != 2 {
		t.Errorf("audit log has %d events, want 2 (refused messages append nothing)", n)
	}
	if ms, err := s.MailMessages(ctx(), false, "", 100); err != nil || len(ms) != 2 {
		t.Errorf("MailMessages = %d messages, %v; want the 2 accepted ones", len(ms), err)
	}
}

func testMailClaim(t *testing.T, s MailCatalogue) {
	a, b, c := newMail(1), newMail(2), newMail(3)
	b.NextAttempt = base.Add(30 * time.Second) // due before a
	c.NextAttempt = base.Add(time.Hour)        // not due yet
	for _, m := range []*callvault.MailMessage{a, b, c} {
		enqueue(t, s, m)
	}
	now := base.Add(10 * time.Minute)
	got := claim(t, s, "A", now, 1)
	if diff := cmp.Diff([]string{b.ID}, mailIDs(got)); diff != "" {
		t.Fatalf("first claim of 1 (-want +got):\n%s", diff)
	}
	got = claim(t, s, "B", now, 10)
	if diff := cmp.Diff([]string{a.ID}, mailIDs(got)); diff != "" {
		t.Fatalf("B's claim (-want +got): the held and the not yet due are not claimed:\n%s", diff)
	}
	want := *a
	want.NextAttempt = a.CreatedAt
	if diff := cmp.Diff(&want, got[0], cmpOpts); diff != "" {
		t.Errorf("claimed message (-want +got):\n%s", diff)
	}
	if got := claim(t, s, "C", now, 10); len(got) != 0 {
		t.Fatalf("C claimed %v while A and B hold every due message", mailIDs(got))
	}
	// At the hour c is due, and the claims (until now+5m) have ended.
	got = claim(t, s, "C", base.Add(time.Hour), 10)
	if diff := cmp.Diff([]string{b.ID, a.ID, c.ID}, mailIDs(got)); diff != "" {
		t.Errorf("claim after the claims ended, oldest next attempt first (-want +got):\n%s", diff)
	}
	_, err := s.ClaimMail(ctx(), "", now, now.Add(time.Minute), 1)
	wantKind(t, err, callvault.KindInvalid, "ClaimMail(no holder)")
	_, err = s.ClaimMail(ctx(), "A", now, now, 1)
	wantKind(t, err, callvault.KindInvalid, "ClaimMail(until = now)")
}

func testMailSent(t *testing.T, s MailCatalogue) {
	m := newMail(1)
	enqueue(t, s, m)
	now := base.Add(time.Hour)
	claim(t, s, "A", now, 10)
	wantKind(t, s.MarkMailSent(ctx(), m.ID, "B", now, newEvent(callvault.ActionMailSent, m.ID)),
		callvault.KindConflict, "MarkMailSent by a sender that does not hold it")
	wantKind(t, s.MarkMailSent(ctx(), callvault.NewID(), "A", now, newEvent(callvault.ActionMailSent, "x")),
		callvault.KindNotFound, "MarkMailSent(unknown)")
	wantKind(t, s.MarkMailSent(ctx(), m.ID, "A", now, nil), callvault.KindInvalid, "MarkMailSent(no event)")
	ev := newEvent(callvault.ActionMailSent, m.ID)
	if err := s.MarkMailSent(ctx(), m.ID, "A", now.Add(time.Second), ev); err != nil {
		t.Fatalf("MarkMailSent: %v", err)
	}
	if ev.Seq != 2 {
		t.Errorf("MarkMailSent sealed seq %d, want 2", ev.Seq)
	}
	got := mailByID(t, s, m.ID)
	if !got.Sent() || !got.SentAt.Equal(now.Add(time.Second).UTC().Truncate(time.Microsecond)) || got.Attempts != 1 {
		t.Errorf("after MarkMailSent: sent %s, attempts %d; want sent at %s, 1 attempt", got.SentAt, got.Attempts, now.Add(time.Second))
	}
	wantKind(t, s.MarkMailSent(ctx(), m.ID, "A", now, newEvent(callvault.ActionMailSent, m.ID)),
		callvault.KindConflict, "MarkMailSent twice")
	wantKind(t, s.MarkMailFailed(ctx(), m.ID, "A", now, "late failure"), callvault.KindConflict, "MarkMailFailed after sent")
	if got := claim(t, s, "B", now.Add(24*time.Hour), 10); len(got) != 0 {
		t.Errorf("a sent message was claimed again: %v", mailIDs(got))
	}
	if n := len(auditLog(t, s)); n != 2 {
		t.Errorf("audit log has %d events, want 2 (refused marks append nothing)", n)
	}
}

func testMailFailed(t *testing.T, s MailCatalogue) {
	m := newMail(1)
	enqueue(t, s, m)
	now := base.Add(time.Hour)
	claim(t, s, "A", now, 10)
	next := now.Add(2 * time.Minute)
	long := strings.Repeat("421 try later ", 100)
	wantKind(t, s.MarkMailFailed(ctx(), m.ID, "B", next, "x"), callvault.KindConflict, "MarkMailFailed by a non-holder")
	wantKind(t, s.MarkMailFailed(ctx(), callvault.NewID(), "A", next, "x"), callvault.KindNotFound, "MarkMailFailed(unknown)")
	if err := s.MarkMailFailed(ctx(), m.ID, "A", next, long); err != nil {
		t.Fatalf("MarkMailFailed: %v", err)
	}
	got := mailByID(t, s, m.ID)
	if got.Attempts != 1 || got.Sent() || !got.NextAttempt.Equal(next.UTC().Truncate(time.Microsecond)) ||
		got.LastError != callvault.TruncateMailError(long) {
		t.Errorf("after MarkMailFailed: %+v; want 1 attempt, next %s, the truncated error", got, next)
	}
	if got := claim(t, s, "B", next.Add(-time.Microsecond), 10); len(got) != 0 {
		t.Errorf("claimed before its next attempt: %v", mailIDs(got))
	}
	got2 := claim(t, s, "B", next, 10)
	if len(got2) != 1 || got2[0].Attempts != 1 {
		t.Fatalf("claim at the next attempt = %+v, want the message with 1 attempt", got2)
	}
	wantKind(t, s.MarkMailFailed(ctx(), m.ID, "A", next, "x"), callvault.KindConflict, "MarkMailFailed by the earlier holder")
	if err := s.MarkMailFailed(ctx(), m.ID, "B", next.Add(time.Hour), "again"); err != nil {
		t.Fatalf("second MarkMailFailed: %v", err)
	}
	if got := mailByID(t, s, m.ID); got.Attempts != 2 || got.LastError != "again" {
		t.Errorf("after two failures: %d attempts, error %q", got.Attempts, got.LastError)
	}
	wantKind(t, s.MarkMailFailed(ctx(), m.ID, "B", time.Time{}, "x"), callvault.KindInvalid, "MarkMailFailed(no next time)")
	if n := len(auditLog(t, s)); n != 1 {
		t.Errorf("audit log has %d events, want 1 (failures are not audited)", n)
	}
}

func testMailTakeover(t *testing.T, s MailCatalogue) {
	m := newMail(1)
	enqueue(t, s, m)
	now := base.Add(time.Hour)
	if _, err := s.ClaimMail(ctx(), "A", now, now.Add(time.Minute), 10); err != nil {
		t.Fatalf("ClaimMail: %v", err)
	}
	if got := claim(t, s, "B", now.Add(time.Minute-time.Microsecond), 10); len(got) != 0 {
		t.Fatalf("B took a claim before it ended")
	}
	if got := claim(t, s, "B", now.Add(time.Minute), 10); len(got) != 1 {
		t.Fatalf("B could not take over a claim that ended (A stopped mid-send)")
	}
	wantKind(t, s.MarkMailSent(ctx(), m.ID, "A", now, newEvent(callvault.ActionMailSent, m.ID)),
		callvault.KindConflict, "MarkMailSent by the holder whose claim was taken over")
	if err := s.MarkMailSent(ctx(), m.ID, "B", now.Add(time.Minute), newEvent(callvault.ActionMailSent, m.ID)); err != nil {
		t.Fatalf("MarkMailSent by the new holder: %v", err)
	}
}

func testMailRelease(t *testing.T, s MailCatalogue) {
	m := newMail(1)
	enqueue(t, s, m)
	now := base.Add(time.Hour)
	claim(t, s, "A", now, 10)
	if err := s.ReleaseMail(ctx(), m.ID, "B"); err != nil {
		t.Fatalf("ReleaseMail by a non-holder: %v", err)
	}
	if got := claim(t, s, "B", now, 10); len(got) != 0 {
		t.Fatal("a non-holder's release freed A's claim")
	}
	if err := s.ReleaseMail(ctx(), m.ID, "A"); err != nil {
		t.Fatalf("ReleaseMail: %v", err)
	}
	got := claim(t, s, "B", now, 10)
	if len(got) != 1 || got[0].Attempts != 0 {
		t.Fatalf("claim after release = %+v, want the message, attempts unchanged (0)", got)
	}
	if err := s.ReleaseMail(ctx(), callvault.NewID(), "A"); err != nil {
		t.Errorf("ReleaseMail(unknown): %v", err)
	}
}

func testMailConcurrentClaims(t *testing.T, s MailCatalogue) {
	const n, claimers = 40, 6
	for i := range n {
		enqueue(t, s, newMail(i))
	}
	now := base.Add(24 * time.Hour)
	var (
		mu   sync.Mutex
		seen = map[string]string{}
		wg   sync.WaitGroup
		errs = make(chan error, n*claimers)
	)
	for c := range claimers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			holder := fmt.Sprintf("node-%d", c)
			for {
				ms, err := s.ClaimMail(ctx(), holder, now, now.Add(time.Minute), 3)
				if err != nil {
					if callvault.IsKind(err, callvault.KindUnavailable) {
						continue // busy: take turns
					}
					errs <- err
					return
				}
				if len(ms) == 0 {
					return
				}
				mu.Lock()
				dup := false
				for _, m := range ms {
					if prev, ok := seen[m.ID]; ok {
						errs <- fmt.Errorf("message %s claimed by %s and %s", m.ID, prev, holder)
						dup = true
					}
					seen[m.ID] = holder
				}
				mu.Unlock()
				if dup {
					return // a store that hands out held messages would never run dry
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(seen) != n {
		t.Errorf("%d of %d messages were claimed", len(seen), n)
	}
}

func testMailList(t *testing.T, s MailCatalogue) {
	var all []*callvault.MailMessage
	for i := range 5 {
		m := newMail(i)
		enqueue(t, s, m)
		all = append(all, m)
	}
	now := base.Add(time.Hour)
	claim(t, s, "A", now, 2) // all[0], all[1]
	if err := s.MarkMailSent(ctx(), all[0].ID, "A", now, newEvent(callvault.ActionMailSent, all[0].ID)); err != nil {
		t.Fatalf("MarkMailSent: %v", err)
	}
	var got []string
	after := ""
	for {
		page, err := s.MailMessages(ctx(), false, after, 2)
		if err != nil {
			t.Fatalf("MailMessages: %v", err)
		}
		if len(page) > 2 {
			t.Fatalf("page of %d, limit 2", len(page))
		}
		if len(page) == 0 {
			break
		}
		got = append(got, mailIDs(page)...)
		after = page[len(page)-1].ID
	}
	if diff := cmp.Diff(mailIDs(all), got); diff != "" {
		t.Errorf("MailMessages pages in ID order (-want +got):\n%s", diff)
	}
	pending, err := s.MailMessages(ctx(), true, "", 100)
	if err != nil {
		t.Fatalf("MailMessages(pending): %v", err)
	}
	if diff := cmp.Diff(mailIDs(all[1:]), mailIDs(pending)); diff != "" {
		t.Errorf("pending messages (-want +got): the held one is pending, the sent one is not:\n%s", diff)
	}
}

// auditLog returns the whole audit log of s.
func auditLog(t testing.TB, s callvault.AuditStore) []*callvault.AuditEvent {
	t.Helper()
	evs, err := s.AuditEvents(ctx(), 0, callvault.MaxSearchLimit)
	if err != nil {
		t.Fatalf("AuditEvents: %v", err)
	}
	return evs
}
