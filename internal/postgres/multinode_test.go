package postgres

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/postgres/pgtest"
)

// Two DBs on one database are two nodes: each has its own pool, so nothing in the process
// serialises them; only the database does.
func TestTwoNodes(t *testing.T) {
	url := pgtest.NewTestDatabase(t)
	nodes := []*DB{openTest(t, url), openTest(t, url)}
	ctx := context.Background()

	t.Run("OneChain", func(t *testing.T) {
		const perNode, workers = 100, 4 // 200 events, from 8 goroutines over two pools
		var (
			wg      sync.WaitGroup
			start   = make(chan struct{})
			errs    = make(chan error, 2*perNode)
			created = make([][]string, len(nodes))
		)
		for n, db := range nodes {
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					for i := 0; i < perNode/workers; i++ {
						ev := &callvault.AuditEvent{Time: time.Now(), Actor: fmt.Sprintf("node:%d", n), Action: callvault.ActionRecordingOpen}
						if i%2 == 0 {
							r := testRecording(fmt.Sprintf("node%d-w%d-%d", n, w, i))
							ev.Action, ev.Object = callvault.ActionRecordingIngest, r.ID
							if err := db.CreateRecording(ctx, r, ev); err != nil {
								errs <- fmt.Errorf("node %d: CreateRecording: %w", n, err)
								continue
							}
							if w == 0 {
								created[n] = append(created[n], r.ID)
							}
						} else if err := db.AppendAudit(ctx, ev); err != nil {
							errs <- fmt.Errorf("node %d: AppendAudit: %w", n, err)
						}
					}
				}()
			}
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		for n, db := range nodes {
			evs := readAll(t, db)
			if len(evs) != 2*perNode {
				t.Fatalf("node %d sees %d events, want %d", n, len(evs), 2*perNode)
			}
			checkChain(t, evs)
		}
		// Each node finds the other's recordings.
		for n, ids := range created {
			other := nodes[1-n]
			for _, id := range ids {
				if _, err := other.Recording(ctx, id); err != nil {
					t.Errorf("node %d cannot read node %d's recording %s: %v", 1-n, n, id, err)
				}
			}
		}
	})

	t.Run("LeaseFailover", func(t *testing.T) {
		a, b := nodes[0], nodes[1]
		acquire := func(db *DB, holder string) bool {
			t.Helper()
			ok, err := db.AcquireLease(ctx, "retention", holder, time.Hour)
			if err != nil {
				t.Fatalf("AcquireLease(%s): %v", holder, err)
			}
			return ok
		}
		if !acquire(a, "node-a") {
			t.Fatal("node a could not take a free lease")
		}
		if acquire(b, "node-b") {
			t.Fatal("node b took node a's lease")
		}
		if err := a.ReleaseLease(ctx, "retention", "node-a"); err != nil {
			t.Fatalf("ReleaseLease: %v", err)
		}
		if !acquire(b, "node-b") {
			t.Fatal("node b could not take the lease node a released")
		}
		if acquire(a, "node-a") {
			t.Fatal("node a took node b's lease")
		}
		// Node b stops renewing. Expiry is judged by the database's clock, so move the lease's
		// expiry into the database's past instead of waiting an hour.
		if _, err := b.pool.Exec(ctx, "UPDATE leases SET expires_at = now() - interval '1 second' WHERE name = 'retention'"); err != nil {
			t.Fatalf("expire lease: %v", err)
		}
		if !acquire(a, "node-a") {
			t.Fatal("node a could not take node b's expired lease")
		}
		if acquire(b, "node-b") {
			t.Fatal("node b renewed a lease it had lost")
		}
	})

	t.Run("ConcurrentAcquire", func(t *testing.T) {
		// Many acquirers of a fresh lease from both nodes: exactly one wins.
		const n = 16
		var (
			wg    sync.WaitGroup
			start = make(chan struct{})
			wins  = make([]bool, n)
			errs  = make([]error, n)
		)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				wins[i], errs[i] = nodes[i%2].AcquireLease(ctx, "checkpoint", fmt.Sprintf("holder-%d", i), time.Hour)
			}()
		}
		close(start)
		wg.Wait()
		won := 0
		for i := range wins {
			if errs[i] != nil {
				t.Errorf("AcquireLease #%d: %v", i, errs[i])
			}
			if wins[i] {
				won++
			}
		}
		if won != 1 {
			t.Errorf("%d of %d concurrent acquirers hold the lease, want exactly 1", won, n)
		}
	})
}

// testRecording returns a small valid recording whose source ID is sourceID.
func testRecording(sourceID string) *callvault.Recording {
	now := time.Now()
	return &callvault.Recording{
		ID:                 callvault.NewID(),
		StartedAt:          now,
		Extensions:         []string{"2001"},
		ExternalNumbers:    []callvault.Number{{E164: "+447700900123", Raw: "07700 900123"}},
		Source:             callvault.SourceSIPREC,
		SourceID:           sourceID,
		AnnouncementPlayed: callvault.AnnouncementYes,
		Codec:              callvault.CodecPCM16,
		SampleRate:         8000,
		Channels:           2,
		BlobKey:            "recordings/" + sourceID + ".age",
		Header:             []byte("age-encryption.org/v1\n"),
		RetainUntil:        now.AddDate(6, 0, 0),
		CreatedAt:          now,
	}
}

// readAll returns db's whole audit log.
func readAll(t *testing.T, db *DB) []*callvault.AuditEvent {
	t.Helper()
	var out []*callvault.AuditEvent
	for after := int64(0); ; {
		evs, err := db.AuditEvents(context.Background(), after, 1000)
		if err != nil {
			t.Fatalf("AuditEvents: %v", err)
		}
		if len(evs) == 0 {
			return out
		}
		out = append(out, evs...)
		after = evs[len(evs)-1].Seq
	}
}

// checkChain fails the test unless evs is one unbroken chain from seq 1 whose hashes recompute.
func checkChain(t *testing.T, evs []*callvault.AuditEvent) {
	t.Helper()
	prev := callvault.GenesisHash
	for i, ev := range evs {
		if ev.Seq != int64(i+1) || ev.PrevHash != prev || ev.ComputeHash() != ev.Hash {
			t.Fatalf("chain broken at event #%d: seq %d prev %s hash %s (want seq %d prev %s, recomputable hash)",
				i, ev.Seq, ev.PrevHash, ev.Hash, i+1, prev)
		}
		prev = ev.Hash
	}
}
