package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
	"github.com/callvault/callvault/internal/retention"
	"github.com/callvault/callvault/internal/sqlite"
)

// TestCrashDuringSweep kills a server with SIGKILL in the middle of a retention sweep of
// thousands of recordings. After a restart the sweep completes (each recording deleted once,
// the held one kept), fsck finds nothing wrong and the audit log verifies.
func TestCrashDuringSweep(t *testing.T) {
	if testing.Short() {
		t.Skip("ingests 2,000 recordings")
	}
	const n = 2000
	data := t.TempDir()
	m := mainFor(t, "--data", data)
	ids := ingestParallel(t, m, n, "crash-sweep", time.Now().AddDate(-1, 0, 0))
	m.Close()
	if code, out, e := cli(t, "hold", "add", "--data", data, "--recording", ids[n/2], "--reason", "case", "--review", "2099-01-01"); code != 0 {
		t.Fatalf("hold add: %s %s", out, e)
	}

	p := startProcess(t, "serve", "--data", data, "--http", "127.0.0.1:0", "--log-level", "warn", "--retention-rate", "200")
	db, err := sqlite.Open(context.Background(), filepath.Join(data, "catalogue.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(2 * time.Minute)
	for {
		st, err := db.RetentionStats(context.Background(), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if st.Live < n-300 {
			if st.Live < 100 {
				t.Fatalf("the sweep was almost done (%d left) before the kill; slow it down", st.Live)
			}
			break
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatal("the sweep did not start")
		}
	}
	p.cmd.Process.Signal(syscall.SIGKILL)
	p.cmd.Wait()

	var once sync.Once
	swept := make(chan struct{})
	s := startServerWith(t, func(m *Main) {
		m.onJobPoll = func(job, _ string, held bool) {
			if job == retention.LeaseName && held {
				once.Do(func() { close(swept) })
			}
		}
	}, "--data", data)
	<-swept
	s.stop()

	st, err := db.RetentionStats(context.Background(), time.Now())
	if err != nil || st.Live != 1 || st.Expired != 0 || st.HeldExpired != 1 {
		t.Fatalf("after the restarted sweep: %+v %v; want only the held recording left", st, err)
	}
	if code, out, e := cli(t, "fsck", "--data", data); code != 0 || !strings.Contains(out, "0 problems") {
		t.Fatalf("fsck after the crash: exit %d\n%s\n%s", code, out, e)
	}
	code, out, e := cli(t, "audit", "verify", "--data", data)
	if code != 0 {
		t.Fatalf("audit verify after the crash: exit %d\n%s\n%s", code, out, e)
	}
	_, out, _ = cli(t, "audit", "export", "--data", data)
	if got := strings.Count(out, `"action":"`+callvault.ActionRecordingDelete+`"`); got != n-1 {
		t.Fatalf("%d deletion receipts, want %d (each recording deleted exactly once)", got, n-1)
	}
}

// ingestParallel is ingestN with 8 writers: each ingest waits mostly on fsync.
func ingestParallel(t *testing.T, m *Main, n int, prefix string, started time.Time) []string {
	t.Helper()
	const workers = 8
	ids := make([]string, 0, n)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				wav, _ := makeWAV(t, audio.MuLawFormat(8000, 1), 0.05)
				rec := &callvault.Recording{StartedAt: started, Source: callvault.SourceImport, SourceID: fmt.Sprintf("%s-%d", prefix, i)}
				r, _, err := m.Archive.Ingest(context.Background(), callvault.IngestRequest{Actor: "test", Recording: rec, Audio: bytes.NewReader(wav)})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				ids = append(ids, r.ID)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	return ids
}
