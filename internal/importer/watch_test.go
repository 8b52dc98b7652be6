package importer

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// writeSlowly writes data to path in 20 pieces over about three seconds, pausing for pause once
// half-way, and reports on closed when it has closed the file.
func writeSlowly(t *testing.T, path string, data []byte, pause time.Duration, closed *atomic.Bool, done chan<- struct{}) {
	f, err := os.Create(path)
	if err != nil {
		t.Error(err)
		close(done)
		return
	}
	piece := len(data) / 20
	for i := range 20 {
		end := (i + 1) * piece
		if i == 19 {
			end = len(data)
		}
		if _, err := f.Write(data[i*piece : end]); err != nil {
			t.Error(err)
		}
		time.Sleep(100 * time.Millisecond) // the scenario: a recorder writing as the call goes on
		if i == 10 {
			time.Sleep(pause)
		}
	}
	if err := f.Close(); err != nil {
		t.Error(err)
	}
	closed.Store(true)
	close(done)
}

func testWatchSlowWriter(t *testing.T, w *Watcher, pause time.Duration) {
	dir := t.TempDir()
	w.Dir = filepath.Join(dir, "in")
	if err := os.MkdirAll(filepath.Join(w.Dir, "2026", "12"), 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(w.Dir, "2026", "12", "call.wav")
	data := bytes.Repeat([]byte("0123456789abcdef"), 4096)
	var (
		closed atomic.Bool
		mu     sync.Mutex
		calls  []int
	)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	written := make(chan struct{})
	scansAfter := 0
	w.OnScan = func(pending int) {
		mu.Lock()
		defer mu.Unlock()
		if len(calls) > 0 {
			scansAfter++
			if scansAfter >= 5 { // a few more looks: nothing is offered twice
				cancel()
			}
		}
	}
	errc := make(chan error, 1)
	go func() {
		errc <- w.Run(ctx, func(ctx context.Context, p string) Ready {
			if p != path {
				t.Errorf("offered %s, want %s", p, path)
			}
			got, err := os.ReadFile(p)
			if err != nil {
				t.Error(err)
			}
			if !closed.Load() {
				t.Errorf("offered while still being written (%d of %d bytes)", len(got), len(data))
			}
			if !bytes.Equal(got, data) {
				t.Errorf("offered %d bytes, want the whole %d", len(got), len(data))
			}
			mu.Lock()
			calls = append(calls, len(got))
			mu.Unlock()
			return Taken
		})
	}()
	go writeSlowly(t, path, data, pause, &closed, written)
	<-written
	if err := <-errc; err != context.Canceled {
		t.Fatalf("Run = %v, want context.Canceled", err)
	}
	if len(calls) != 1 {
		t.Fatalf("the file was offered %d times, want once", len(calls))
	}
}

// With inotify a writer that pauses longer than the settle time with the file open is still
// waited for: only its close makes the file complete.
func TestWatchSlowWriterInotify(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("inotify is Linux's")
	}
	testWatchSlowWriter(t, &Watcher{Settle: 300 * time.Millisecond, Poll: 50 * time.Millisecond}, 800*time.Millisecond)
}

// Polling: the settle time alone decides, so the writer's pauses are shorter than it.
func TestWatchSlowWriterPolling(t *testing.T) {
	w := &Watcher{Settle: 700 * time.Millisecond, Poll: 50 * time.Millisecond, notify: func(string) watcher { return nil }}
	testWatchSlowWriter(t, w, 300*time.Millisecond)
}
