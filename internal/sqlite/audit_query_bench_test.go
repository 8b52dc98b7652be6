package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/callvault/callvault"
)

// benchLog is a catalogue whose audit log holds n events, one every 30 seconds from t0, most of
// them reads and sign-ins, a card-data alert every 500th, one audit.verify near the start.
func benchLog(b *testing.B, n int, t0 time.Time) *DB {
	b.Helper()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(b.TempDir(), "catalogue.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		action := []string{"recording.open", "recording.listen", "auth.login", "auth.login", "request.create"}[i%5]
		switch {
		case i == 500:
			action = callvault.ActionAuditVerify
		case i%500 == 0:
			action = callvault.ActionPCICardDataKeyed
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO audit_events (seq, time_us, actor, action, object, purpose, request_id, detail, prev_hash, hash)
			VALUES (?, ?, ?, ?, ?, '', '', '{"grant":"g1"}', 'prev', 'hash')`, i, micros(t0.Add(time.Duration(i)*30*time.Second)),
			fmt.Sprintf("user:u%d", i%40), action, fmt.Sprintf("recording:r%d", i))
		if err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	if err := db.SettleBulkLoad(ctx); err != nil {
		b.Fatal(err)
	}
	return db
}

// scanLog is the readers' old way: every event from after on, a page of 1000 at a time.
func scanLog(b *testing.B, db *DB, after int64, each func(*callvault.AuditEvent)) {
	for {
		evs, err := db.AuditEvents(context.Background(), after, 1000)
		if err != nil {
			b.Fatal(err)
		}
		if len(evs) == 0 {
			return
		}
		for _, ev := range evs {
			each(ev)
		}
		after = evs[len(evs)-1].Seq
	}
}

// queryAll pages through q's matches.
func queryAll(b *testing.B, db *DB, q callvault.AuditQuery, each func(*callvault.AuditEvent)) {
	for {
		evs, err := db.QueryAudit(context.Background(), q)
		if err != nil {
			b.Fatal(err)
		}
		for _, ev := range evs {
			each(ev)
		}
		if len(evs) < callvault.PageLimit(q.Limit) {
			return
		}
		q.AfterSeq = evs[len(evs)-1].Seq
	}
}

// BenchmarkQueryAudit compares, at 100,000 events, the whole-log scans the PCI alerts, the
// auditor's filters and the compliance report's month figures made with QueryAudit: compare
// each case's scan and query ns/op.
func BenchmarkQueryAudit(b *testing.B) {
	const n = 100000
	t0 := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * 30 * time.Second) }
	db := benchLog(b, n, t0)
	want := func(got, want int) {
		if got != want {
			b.Fatalf("%d events, want %d", got, want)
		}
	}
	// The PCI alerts of a week (20,160 events) in the middle of the log.
	from, to := at(40000), at(60160)
	b.Run("pci/scan", func(b *testing.B) {
		for b.Loop() {
			k := 0
			scanLog(b, db, 0, func(ev *callvault.AuditEvent) {
				if ev.Action == callvault.ActionPCICardDataKeyed && !ev.Time.Before(from) && ev.Time.Before(to) {
					k++
				}
			})
			want(k, 41)
		}
	})
	b.Run("pci/query", func(b *testing.B) {
		for b.Loop() {
			evs, err := db.QueryAudit(context.Background(), callvault.AuditQuery{Action: callvault.ActionPCICardDataKeyed,
				Since: from, Until: to, Newest: true, Limit: 1000})
			if err != nil {
				b.Fatal(err)
			}
			want(len(evs), 41)
		}
	})
	// The auditor looks for the one audit.verify, near the start of the log.
	b.Run("rare/scan", func(b *testing.B) {
		for b.Loop() {
			k := 0
			scanLog(b, db, 0, func(ev *callvault.AuditEvent) {
				if ev.Action == callvault.ActionAuditVerify {
					k++
				}
			})
			want(k, 1)
		}
	})
	b.Run("rare/query", func(b *testing.B) {
		for b.Loop() {
			evs, err := db.QueryAudit(context.Background(), callvault.AuditQuery{Action: callvault.ActionAuditVerify, Limit: 51})
			if err != nil {
				b.Fatal(err)
			}
			want(len(evs), 1)
		}
	})
	// The auditor reads recording.* events of one user, a page of 51.
	b.Run("prefix-actor/query", func(b *testing.B) {
		for b.Loop() {
			evs, err := db.QueryAudit(context.Background(), callvault.AuditQuery{Action: "recording.", Actor: "user:u6", Limit: 51})
			if err != nil {
				b.Fatal(err)
			}
			want(len(evs), 51)
		}
	})
	b.Run("prefix/query", func(b *testing.B) {
		for b.Loop() {
			evs, err := db.QueryAudit(context.Background(), callvault.AuditQuery{Action: "recording.", AfterSeq: 50000, Limit: 51})
			if err != nil {
				b.Fatal(err)
			}
			want(len(evs), 51)
		}
	})
	// This month: the last 30,000 events.
	since := at(70001)
	b.Run("month/scan", func(b *testing.B) {
		for b.Loop() {
			k := 0
			scanLog(b, db, 70000, func(ev *callvault.AuditEvent) { k++ })
			want(k, 30000)
		}
	})
	b.Run("month/query", func(b *testing.B) {
		for b.Loop() {
			k := 0
			queryAll(b, db, callvault.AuditQuery{Since: since, Limit: 1000}, func(*callvault.AuditEvent) { k++ })
			want(k, 30000)
		}
	})
}
