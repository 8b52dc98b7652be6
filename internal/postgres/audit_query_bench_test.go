package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/postgres/pgtest"
)

// BenchmarkQueryAudit compares, at 100,000 events, the whole-log scans the PCI alerts, the
// auditor's filters and the compliance report's month figures made with QueryAudit, as the
// SQLite benchmark of the same name does: compare each case's scan and query ns/op.
func BenchmarkQueryAudit(b *testing.B) {
	const n = 100000
	ctx := context.Background()
	db := openTest(b, pgtest.NewTestDatabase(b))
	t0 := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * 30 * time.Second) }
	_, err := db.pool.Exec(ctx, `
		INSERT INTO audit_events (seq, time, actor, action, object, purpose, request_id, detail, prev_hash, hash)
		SELECT i, $1::timestamptz + i * interval '30 seconds', 'user:u' || (i % 40),
			CASE WHEN i = 500 THEN 'audit.verify' WHEN i % 500 = 0 THEN 'pci.card_data_keyed'
				ELSE (ARRAY['recording.open', 'recording.listen', 'auth.login', 'auth.login', 'request.create'])[i % 5 + 1] END,
			'recording:r' || i, '', '', '{"grant":"g1"}', 'prev', 'hash'
		FROM generate_series(1, $2::int) AS i`, t0, n)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.pool.Exec(ctx, "VACUUM ANALYZE audit_events"); err != nil {
		b.Fatal(err)
	}
	want := func(got, want int) {
		if got != want {
			b.Fatalf("%d events, want %d", got, want)
		}
	}
	scan := func(after int64, each func(*callvault.AuditEvent)) {
		for {
			evs, err := db.AuditEvents(ctx, after, 1000)
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
	from, to := at(40000), at(60160)
	b.Run("pci/scan", func(b *testing.B) {
		for b.Loop() {
			k := 0
			scan(0, func(ev *callvault.AuditEvent) {
				if ev.Action == callvault.ActionPCICardDataKeyed && !ev.Time.Before(from) && ev.Time.Before(to) {
					k++
				}
			})
			want(k, 41)
		}
	})
	b.Run("pci/query", func(b *testing.B) {
		for b.Loop() {
			evs, err := db.QueryAudit(ctx, callvault.AuditQuery{Action: callvault.ActionPCICardDataKeyed, Since: from, Until: to, Newest: true, Limit: 1000})
			if err != nil {
				b.Fatal(err)
			}
			want(len(evs), 41)
		}
	})
	b.Run("rare/scan", func(b *testing.B) {
		for b.Loop() {
			k := 0
			scan(0, func(ev *callvault.AuditEvent) {
				if ev.Action == callvault.ActionAuditVerify {
					k++
				}
			})
			want(k, 1)
		}
	})
	b.Run("rare/query", func(b *testing.B) {
		for b.Loop() {
			evs, err := db.QueryAudit(ctx, callvault.AuditQuery{Action: callvault.ActionAuditVerify, Limit: 51})
			if err != nil {
				b.Fatal(err)
			}
			want(len(evs), 1)
		}
	})
	since := at(70001)
	b.Run("month/scan", func(b *testing.B) {
		for b.Loop() {
			k := 0
			scan(70000, func(*callvault.AuditEvent) { k++ })
			want(k, 30000)
		}
	})
	b.Run("month/query", func(b *testing.B) {
		for b.Loop() {
			k := 0
			q := callvault.AuditQuery{Since: since, Limit: 1000}
			for {
				evs, err := db.QueryAudit(ctx, q)
				if err != nil {
					b.Fatal(err)
				}
				k += len(evs)
				if len(evs) < q.Limit {
					break
				}
				q.AfterSeq = evs[len(evs)-1].Seq
			}
			want(k, 30000)
		}
	})
}
