package main

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestJobRunsOncePerIntervalInCluster: two nodes poll for one job's lease. The holder keeps the
// schedule lease between runs, so while it lives the job runs once per job_interval in the
// cluster, not once per node; when the holder stops, the other node takes over and runs it.
func TestJobRunsOncePerIntervalInCluster(t *testing.T) {
	m := mainFor(t, "--data", t.TempDir(), "--lease-ttl", "2s", "--job-interval", "1h")
	var runs atomic.Int64
	ranBy := make(chan string, 4)
	var mu sync.Mutex
	renewals := map[string]int{} // successful polls per holder since the first run
	renewed := make(chan struct{}, 100)
	m.onJobPoll = func(job, holder string, held bool) {
		if job != "count" || !held || runs.Load() == 0 {
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
		run := job{name: "count", run: func(context.Context, func(context.Context) (bool, error)) error {
			runs.Add(1)
			ranBy <- holder
			return nil
		}}
		done := make(chan struct{})
		go func() { defer close(done); m.jobLoop(ctx, holder, run) }()
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
	if got, err := m.Catalogue.AcquireLease(context.Background(), "count", "operator", time.Second); err != nil || !got {
		t.Errorf("the work lease is held between runs (%v, %v)", got, err)
	}
	m.Catalogue.ReleaseLease(context.Background(), "count", "operator")
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
	m := mainFor(t, "--data", t.TempDir(), "--lease-ttl", "1s")
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
	err := m.whileLeased(context.Background(), "test", keep, func(ctx context.Context) error {
		<-twice // the lease was renewed twice while this batch ran
		<-ctx.Done()
		return ctx.Err()
	})
	if !errors.Is(err, errLeaseLost) || renewals.Load() != 3 {
		t.Fatalf("whileLeased = %v after %d renewals, want errLeaseLost after 3", err, renewals.Load())
	}
}
