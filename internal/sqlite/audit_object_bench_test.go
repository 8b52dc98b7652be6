package sqlite_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/sqlite"
)

// auditLog is a catalogue whose audit log holds 20,000 events about 2,000 objects.
func auditLog(b *testing.B) *sqlite.DB {
	b.Helper()
	db := openTemp(b)
	for i := range 20000 {
		ev := &callvault.AuditEvent{Time: time.Now(), Actor: "system", Action: "test", Object: fmt.Sprintf("case:%d", i%2000), Detail: "{}"}
		if err := db.AppendAudit(context.Background(), ev); err != nil {
			b.Fatal(err)
		}
	}
	return db
}

// BenchmarkAuditEventsOf compares reading one case's events (10 of 20,000) by index with the
// whole-log scan the chain of custody used before: compare the two ns/op.
func BenchmarkAuditEventsOf(b *testing.B) {
	db := auditLog(b)
	ctx := context.Background()
	b.Run("index", func(b *testing.B) {
		for b.Loop() {
			evs, err := db.AuditEventsOf(ctx, []string{"case:7"}, 0, 1000)
			if err != nil || len(evs) != 10 {
				b.Fatal(len(evs), err)
			}
		}
	})
	b.Run("scan", func(b *testing.B) {
		for b.Loop() {
			n := 0
			for after := int64(0); ; {
				evs, err := db.AuditEvents(ctx, after, 1000)
				if err != nil {
					b.Fatal(err)
				}
				if len(evs) == 0 {
					break
				}
				for _, ev := range evs {
					if ev.Object == "case:7" {
						n++
					}
				}
				after = evs[len(evs)-1].Seq
			}
			if n != 10 {
				b.Fatal(n)
			}
		}
	})
}
