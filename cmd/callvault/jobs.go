package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/mail"
	"github.com/callvault/callvault/internal/retention"
)

// Background jobs run on exactly one node at a time and once per job_interval in the whole
// cluster. Each job has two leases in the catalogue: its schedule lease, which one node (the
// scheduler) holds continuously, renewing it every lease_ttl/3, and its work lease, which
// whoever runs the job holds only while it runs (the scheduler when the interval is due, or an
// operator's `callvault retention run`). The other nodes poll and take the schedule over only
// when the scheduler has stopped renewing it (it died, or lost the catalogue for longer than
// lease_ttl). A node that takes over runs the job at once, so a failover costs at most one extra
// run.

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
			_, err := m.Archive.CleanOrphans(ctx, max(m.Config.orphanGrace(), 10*time.Minute), keep)
			return err
		}},
	}
}

// retentionSweep runs one retention sweep and reports it.
func (m *Main) retentionSweep(ctx context.Context, keep func(context.Context) (bool, error)) (retention.Result, error) {
	// A changed retention_months setting first moves every recording's retain_until (resumable).
	if rs, ok := m.Catalogue.(callvault.RetentionStore); ok {
		rc := &retention.Recompute{Catalogue: m.Catalogue, Store: rs, Months: m.Config.RetentionMonths}
		res, err := rc.RunOnce(ctx)
		if err != nil {
			return retention.Result{}, err
		}
		if res.Changed > 0 {
			m.afterAudit(ctx)
			m.Logger.Info("retention months changed: retain_until recomputed", "months", m.Config.RetentionMonths, "changed", res.Changed)
		}
	}
	s := &retention.Sweeper{Catalogue: m.Catalogue, Blobs: m.Blobs, KeepLease: keep, OnDelete: m.OnRetentionDelete, Rate: int(m.Config.RetentionRate)}
	s.Holds, _ = m.Catalogue.(callvault.HoldStore)
	s.Record, _ = m.Catalogue.(callvault.RetentionStore)
	s.Node = m.node()
	res, err := s.RunOnce(ctx)
	if res.Deleted > 0 {
		m.afterAudit(ctx)
	}
	if res.Deleted > 0 || res.HeldRecordings > 0 {
		// Hold IDs only: reasons may name people and stay in the catalogue.
		m.Logger.Info("retention sweep", "deleted", res.Deleted, "skipped", res.Skipped, "held", res.HeldRecordings)
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
	// The mail sender runs on every node: claims, not a job lease, keep nodes from sending one
	// message twice, and mail goes out within seconds rather than once per job_interval.
	if s := m.mailSender(ctx, holder); s != nil {
		m.Mail = s
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.Run(ctx)
		}()
	}
	return wg.Wait
}

// wakeMail makes the mail sender look at the outbox now; workflows call it after enqueueing
// mail (without it the sender still finds the mail within its poll interval).
func (m *Main) wakeMail() {
	if m.Mail != nil {
		m.Mail.Wake()
	}
}

// mailSender returns the sender of the outbox, or nil when --smtp is not set (mail then stays
// queued: a warning says so when some is waiting).
func (m *Main) mailSender(ctx context.Context, holder string) *mail.Sender {
	store, ok := m.Catalogue.(callvault.MailStore)
	if !ok {
		return nil
	}
	if m.Config.SMTP == "" {
		if waiting, err := store.MailMessages(ctx, true, "", 1); err == nil && len(waiting) > 0 {
			m.Logger.Warn("mail is queued but no --smtp server is set; it is kept until a node with --smtp runs")
		}
		return nil
	}
	cfg, err := mail.ParseURL(m.Config.SMTP) // validated with the configuration
	if err != nil {
		m.Logger.Error("bad --smtp setting; mail stays queued", "err", err)
		return nil
	}
	m.Logger.Info("sending mail", "smtp", cfg.String())
	return &mail.Sender{
		Store:      store,
		Transport:  &mail.SMTP{Config: cfg},
		Holder:     holder,
		Logger:     m.Logger,
		AfterAudit: m.afterAudit,
	}
}

// scheduleLease names the lease of a job's scheduler.
func scheduleLease(job string) string { return job + "/schedule" }

func (m *Main) jobLoop(ctx context.Context, holder string, j job) {
	ttl := m.Config.LeaseTTL
	poll := min(ttl/3, m.Config.JobInterval)
	acquire := func(ctx context.Context, name string) (bool, error) {
		return m.Catalogue.AcquireLease(ctx, name, holder, ttl)
	}
	// While the job runs, keep renews both leases, so that a long run does not let another
	// node become the scheduler and run the job again right after.
	keep := func(ctx context.Context) (bool, error) {
		ok, err := acquire(ctx, j.name)
		if err != nil || !ok {
			return ok, err
		}
		return acquire(ctx, scheduleLease(j.name))
	}
	var lastRun time.Time // when this node last ran the job as scheduler; zero: not since it became one
	for {
		sched, err := acquire(ctx, scheduleLease(j.name))
		switch {
		case err != nil:
			// Whether we are still the scheduler is unknown; the lease expires unless renewed.
			if ctx.Err() == nil {
				m.Logger.Warn("cannot take or renew job lease", "job", j.name, "err", err)
			}
		case !sched:
			lastRun = time.Time{} // another node schedules; if we take over, we run at once
		case lastRun.IsZero() || time.Since(lastRun) >= m.Config.JobInterval:
			if ran, err := m.runLeased(ctx, holder, j, keep); err != nil && ctx.Err() == nil {
				m.Logger.Warn("background job failed; will retry", "job", j.name, "err", err)
			} else if ran {
				lastRun = time.Now()
			}
		}
		if m.onJobPoll != nil {
			m.onJobPoll(j.name, holder, sched && err == nil)
		}
		select {
		case <-ctx.Done():
			rctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			m.Catalogue.ReleaseLease(rctx, scheduleLease(j.name), holder)
			cancel()
			return
		case <-time.After(poll):
		}
	}
}

// runLeased runs j under its work lease and releases it afterwards. It reports false, without
// error, when someone else (an operator's manual run) holds the work lease.
func (m *Main) runLeased(ctx context.Context, holder string, j job, keep func(context.Context) (bool, error)) (bool, error) {
	got, err := m.Catalogue.AcquireLease(ctx, j.name, holder, m.Config.LeaseTTL)
	if err != nil || !got {
		return false, err
	}
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		m.Catalogue.ReleaseLease(rctx, j.name, holder)
		cancel()
	}()
	err = m.whileLeased(ctx, j.name, keep, func(ctx context.Context) error { return j.run(ctx, keep) })
	if errors.Is(err, errLeaseLost) {
		return false, nil
	}
	return true, err
}

// errLeaseLost is whileLeased's error when the lease went to another node during the work.
var errLeaseLost = errors.New("the job's lease was lost to another node")

// whileLeased runs fn while renewing its lease with keep every lease_ttl/3, so that no batch,
// however slow (a rate-limited sweep, a slow object store), outlasts the lease. When keep
// reports the lease taken by another node, or cannot renew it before it would expire, fn's
// context is cancelled and whileLeased returns errLeaseLost once fn has returned: two nodes never
// work on one job for longer than a renewal period.
func (m *Main) whileLeased(ctx context.Context, job string, keep func(context.Context) (bool, error), fn func(context.Context) error) error {
	ttl := m.Config.LeaseTTL
	jctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var lost atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(ttl / 3)
		defer t.Stop()
		renewed := time.Now()
		for {
			select {
			case <-jctx.Done():
				return
			case <-t.C:
			}
			ok, err := keep(jctx)
			switch {
			case err == nil && ok:
				renewed = time.Now()
				continue
			case err == nil:
				m.Logger.Warn("job lease taken by another node; stopping", "job", job)
			case time.Since(renewed) < ttl-ttl/3:
				continue // try again; the lease still holds
			default:
				m.Logger.Warn("cannot renew job lease before it expires; stopping", "job", job, "err", err)
			}
			lost.Store(true)
			cancel()
			return
		}
	}()
	err := fn(jctx)
	cancel()
	<-done
	if lost.Load() && ctx.Err() == nil {
		return errLeaseLost
	}
	return err
}
