package mail_test

import (
	"context"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/mail"
	"github.com/callvault/callvault/internal/mailtest"
	"github.com/callvault/callvault/internal/sqlite"
)

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type mailCatalogue interface {
	callvault.MailStore
	callvault.AuditStore
}

// openSQLite opens (or reopens) the catalogue at path; closed when t ends.
func openSQLite(t testing.TB, path string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func tempCatalogue(t testing.TB) (*sqlite.DB, string) {
	path := filepath.Join(t.TempDir(), "catalogue.db")
	return openSQLite(t, path), path
}

// smtpTo returns the SMTP transport of a mailpit.
func smtpTo(t testing.TB, mp *mailtest.Mailpit) *mail.SMTP {
	t.Helper()
	cfg, err := mail.ParseURL("smtp://" + mp.SMTPAddr + "?from=callvault@vault.example.org")
	if err != nil {
		t.Fatal(err)
	}
	return &mail.SMTP{Config: cfg, Timeout: 10 * time.Second}
}

func newSender(store callvault.MailStore, tr mail.Transport, holder string, c *clock) *mail.Sender {
	s := &mail.Sender{Store: store, Transport: tr, Holder: holder, MinBackoff: time.Minute, MaxBackoff: time.Hour}
	if c != nil {
		s.Now = c.Now
	}
	return s
}

// enqueue stores m with an audit event of its workflow.
func enqueue(t testing.TB, s mailCatalogue, m *callvault.MailMessage) {
	t.Helper()
	ev := &callvault.AuditEvent{Time: time.Now(), Actor: "user:dpo", Action: "case.open", Object: m.Reference}
	if err := s.EnqueueMail(context.Background(), m, ev); err != nil {
		t.Fatalf("EnqueueMail: %v", err)
	}
}

func caseMail(t testing.TB, ref string, to ...string) *callvault.MailMessage {
	t.Helper()
	m, err := mail.NewCaseOpenedMail(to, ref, "https://vault.example.org/cases/"+ref)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func runOnce(t testing.TB, s *mail.Sender) mail.Result {
	t.Helper()
	res, err := s.RunOnce(context.Background())
	if err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	return res
}

// received waits until mailpit holds n messages and returns them, oldest first.
func received(t testing.TB, mp *mailtest.Mailpit, n int) []*mailtest.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ms, err := mp.WaitMessages(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// count returns how many messages mailpit holds now.
func count(t testing.TB, mp *mailtest.Mailpit) int {
	t.Helper()
	ms, err := mp.Messages(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return len(ms)
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

// outbox returns every message in the store.
func outbox(t testing.TB, s callvault.MailStore, pending bool) []*callvault.MailMessage {
	t.Helper()
	ms, err := s.MailMessages(context.Background(), pending, "", callvault.MaxSearchLimit)
	if err != nil {
		t.Fatalf("MailMessages: %v", err)
	}
	return ms
}
