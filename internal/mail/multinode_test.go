package mail_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/mail"
	"github.com/callvault/callvault/internal/mailtest"
	"github.com/callvault/callvault/internal/postgres"
	"github.com/callvault/callvault/internal/postgres/pgtest"
)

// Two nodes, each with its own connection pool and sender, share one PostgreSQL catalogue and
// drain one outbox at the same time: every message arrives exactly once.
func TestTwoSendersOnePostgresSendEachOnce(t *testing.T) {
	mp := mailtest.New(t, mailtest.Options{})
	url := pgtest.NewTestSchema(t, pgtest.NewTestDatabase(t))
	open := func() *postgres.DB {
		db, err := postgres.Open(context.Background(), url)
		if err != nil {
			t.Fatalf("postgres.Open: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	nodeA, nodeB := open(), open()
	const n = 40
	want := map[string]bool{}
	for i := range n {
		m := caseMail(t, fmt.Sprintf("C-%d", i), fmt.Sprintf("dpo%d@example.org", i%3))
		enqueue(t, nodeA, m)
		want[m.ID+"@vault.example.org"] = true
	}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		results []mail.Result
	)
	for i, db := range []*postgres.DB{nodeA, nodeB} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := newSender(db, smtpTo(t, mp), fmt.Sprintf("node-%d", i), nil)
			s.Batch = 3 // many small claims, so that the two interleave
			res, err := s.RunOnce(context.Background())
			if err != nil {
				t.Errorf("node %d: RunOnce: %v", i, err)
			}
			mu.Lock()
			results = append(results, res)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if results[0].Sent+results[1].Sent != n {
		t.Errorf("senders report %+v, want %d sent in all", results, n)
	}
	got := received(t, mp, n)
	seen := map[string]int{}
	for _, m := range got {
		seen[m.MessageID]++
	}
	for id := range want {
		if seen[id] != 1 {
			t.Errorf("message %s arrived %d times, want once", id, seen[id])
		}
	}
	if len(got) != n {
		t.Errorf("mailpit holds %d messages, want %d", len(got), n)
	}
	if p := outbox(t, nodeB, true); len(p) != 0 {
		t.Errorf("%d messages pending after both senders ran", len(p))
	}
	var sentEvents int
	evs, err := nodeB.AuditEvents(context.Background(), 0, callvault.MaxSearchLimit)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if ev.Action == callvault.ActionMailSent {
			sentEvents++
		}
	}
	if sentEvents != n {
		t.Errorf("%d mail.sent events, want %d", sentEvents, n)
	}
	t.Logf("node results: %+v", results)
}
