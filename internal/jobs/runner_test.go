package jobs_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callvault/callvault/internal/jobs"
	"github.com/callvault/callvault/internal/sqlite"
)

func openDB(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestJobRunsOncePerIntervalInCluster: two nodes poll for one job's lease. The holder keeps the
// schedule lease between runs, so while it lives the job runs once per job_interval in the
// cluster, not once per node; when the holder stops, the other node takes over and runs it.
func TestJobRunsOncePerIntervalInCluster(t *testing.T) {
	db := openDB(t)
	var runs atomic.Int64
	ranBy := make(chan string, 4)
	var mu sync.Mutex
	renewals := map[string]int{} // successful polls per holder since the first run
	renewed := make(chan struct{}, 100)
	onPoll := func(holder string, held bool) {
		if !held || runs.Load() == 0 {
			return
		}
		mu.Lock()
		renewals[holder]++
		mu.Unlock()
		select {
		case renewed <- struct{}{}:
		default:
		}
	}
	start := func(holder string) (stop func()) {
		ctx, cancel := context.WithCancel(context.Background())
		r := &jobs.Runner{Name: "count", Leases: db, Holder: holder, TTL: 2 * time.Second, Interval: time.Hour, OnPoll: onPoll,
			RunOnce: func(context.Context, func(context.Context) (bool, error)) error {
				runs.Add(1)
				ranBy <- holder
				return nil
			}}
		done := make(chan struct{})
		go func() { defer close(done); r.Run(ctx) }()
		return func() { cancel(); <-done }
	}
	stops := map[string]func(){"node-a": start("node-a"), "node-b": start("node-b")}
	defer func() {
		for _, stop := range stops {
			stop()
		}
	}()

	first := <-ranBy
	// The holder renews its lease three more times (a full lease_ttl and more) while the other
	// node keeps polling: the job must not run again.
	for {
		<-renewed
		mu.Lock()
		n := renewals[first]
		mu.Unlock()
		if n >= 4 {
			break
		}
	}
	if got := runs.Load(); got != 1 {
		t.Fatalf("the job ran %d times within one job_interval on two nodes, want once", got)
	}
	// Between runs the work lease is free, so an operator's `retention run` need not wait for
	// the scheduler to stop.
	if got, err := db.AcquireLease(context.Background(), "count", "operator", time.Second); err != nil || !got {
		t.Errorf("the work lease is held between runs (%v, %v)", got, err)
	}
	db.ReleaseLease(context.Background(), "count", "operator")
	mu.Lock()
	for h, n := range renewals {
		if h != first && n > 0 {
			t.Errorf("%s held the lease %d times while %s was renewing it", h, n, first)
		}
	}
	mu.Unlock()

	// The holder stops; the other node takes over after the lease expires and runs the job.
	stops[first]()
	delete(stops, first)
	select {
	case second := <-ranBy:
		if second == first {
			t.Fatalf("%s ran the job after it stopped", first)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the other node did not take over the job")
	}
}

// TestWhileLeasedRenewsAndStops: a job that outlasts the lease keeps it renewed while it runs
// (not only between batches), and is cancelled as soon as the lease is taken by another node.
func TestWhileLeasedRenewsAndStops(t *testing.T) {
	var renewals atomic.Int64
	twice := make(chan struct{})
	keep := func(context.Context) (bool, error) {
		switch renewals.Add(1) {
		case 2:
			close(twice)
		case 3:
			return false, nil // another node has it now
		}
		return true, nil
	}
	err := jobs.WhileLeased(context.Background(), "test", time.Second, nil, keep, func(ctx context.Context) error {
		<-twice // the lease was renewed twice while this batch ran
		<-ctx.Done()
		return ctx.Err()
	})
	if !errors.Is(err, jobs.ErrLeaseLost) || renewals.Load() != 3 {
		t.Fatalf("whileLeased = %v after %d renewals, want errLeaseLost after 3", err, renewals.Load())
	}
}
