package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/callvault/callvault/internal/retention"
)

// Background jobs run on exactly one node at a time: each is a loop around a RunOnce that first
// takes the job's lease in the catalogue, renews it while working, and lets another node take
// over when this one stops (the lease expires after lease_ttl).

// nodeID names this process as a lease holder.
func nodeID() string {
	host, _ := os.Hostname()
	var b [4]byte
	rand.Read(b[:])
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

type job struct {
	name string
	run  func(ctx context.Context, keep func(context.Context) (bool, error)) error
}

// jobs are the leased background jobs of serve.
func (m *Main) jobs() []job {
	return []job{
		{retention.LeaseName, func(ctx context.Context, keep func(context.Context) (bool, error)) error {
			_, err := m.retentionSweep(ctx, keep)
			return err
		}},
		{"orphan-sweep", func(ctx context.Context, keep func(context.Context) (bool, error)) error {
			// This process may itself be between committing a blob and its row right now, so
			// the periodic sweep never uses a grace shorter than ten minutes; the sweep at start
			// (before listening) may.
			_, err := m.Archive.CleanOrphans(ctx, max(m.Config.orphanGrace(), 10*time.Minute))
			return err
		}},
	}
}

// retentionSweep runs one retention sweep and reports it.
func (m *Main) retentionSweep(ctx context.Context, keep func(context.Context) (bool, error)) (retention.Result, error) {
	s := &retention.Sweeper{Catalogue: m.Catalogue, Blobs: m.Blobs, KeepLease: keep, OnDelete: m.OnRetentionDelete}
	res, err := s.RunOnce(ctx)
	if res.Deleted > 0 {
		m.afterAudit(ctx)
		m.Logger.Info("retention sweep", "deleted", res.Deleted, "skipped", res.Skipped)
	}
	return res, err
}

// runJobs runs every job on its interval until ctx ends, each under its lease.
func (m *Main) runJobs(ctx context.Context) (wait func()) {
	holder := nodeID()
	var wg sync.WaitGroup
	for _, j := range m.jobs() {
		wg.Add(1)
		go func(j job) {
			defer wg.Done()
			m.jobLoop(ctx, holder, j)
		}(j)
	}
	return wg.Wait
}

func (m *Main) jobLoop(ctx context.Context, holder string, j job) {
	ttl := m.Config.LeaseTTL
	// A node runs a job at most once per job_interval, and only while it holds the lease, which
	// it renews between batches; if it dies mid-run the lease expires after lease_ttl and the
	// next node polling for it takes over.
	poll := min(ttl/2, m.Config.JobInterval)
	var lastRun time.Time
	for {
		if lastRun.IsZero() || time.Since(lastRun) >= m.Config.JobInterval {
			got, err := m.Catalogue.AcquireLease(ctx, j.name, holder, ttl)
			switch {
			case err != nil && ctx.Err() == nil:
				m.Logger.Warn("cannot take job lease", "job", j.name, "err", err)
			case got:
				keep := func(ctx context.Context) (bool, error) { return m.Catalogue.AcquireLease(ctx, j.name, holder, ttl) }
				if err := j.run(ctx, keep); err != nil && ctx.Err() == nil {
					m.Logger.Warn("background job failed; will retry", "job", j.name, "err", err)
				} else if err == nil {
					lastRun = time.Now()
				}
			}
		}
		select {
		case <-ctx.Done():
			rctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			m.Catalogue.ReleaseLease(rctx, j.name, holder)
			cancel()
			return
		case <-time.After(poll):
		}
	}
}
