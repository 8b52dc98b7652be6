package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/jobs"
	"github.com/callvault/callvault/internal/mail"
	"github.com/callvault/callvault/internal/retention"
)

// Background jobs run on exactly one node at a time and once per job_interval in the whole
// cluster: each is a jobs.Runner around the job's run, elected through leases in the catalogue
// (see internal/jobs).

// nodeID names this process as a lease holder.
func nodeID() string {
	host, _ := os.Hostname()
	var b [4]byte
	rand.Read(b[:])
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// job is a background job: its name (and lease) and one run of it, which calls keep between
// batches and stops when it reports false.
type job struct {
	name string
	run  func(ctx context.Context, keep func(context.Context) (bool, error)) error
}

// jobs are the leased background jobs of serve.
func (m *Main) jobs() []job {
	return append([]job{
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
	}, m.epochJobs()...)
}

// retentionSweep runs one retention sweep and reports it.
func (m *Main) retentionSweep(ctx context.Context, keep func(context.Context) (bool, error)) (retention.Result, error) {
	// A changed retention period (stored by a Director, or the configuration's while none is)
	// first moves every recording's retain_until (resumable), once every node follows it.
	months, settled, err := m.Retention.Settled(ctx)
	if err != nil {
		return retention.Result{}, err
	}
	if rs, ok := m.Catalogue.(callvault.RetentionStore); ok && settled {
		rc := &retention.Recompute{Catalogue: m.Catalogue, Store: rs, Months: months, Now: m.Now}
		if m.Epochs != nil && m.Keys.CanOpen() {
			// Each changed recording's header moves to its new retention-end month, in the
			// batch that moves its retain_until. A node without the key directory leaves them
			// where they are: their old epochs are then not destroyed while they seal them.
			rc.Rewrapper = m.Epochs
		}
		res, err := rc.RunOnce(ctx)
		if err != nil {
			return retention.Result{}, err
		}
		if res.Changed > 0 {
			m.afterAudit(ctx)
			m.Logger.Info("retention months changed: retain_until recomputed", "months", months, "changed", res.Changed)
		}
	}
	s := &retention.Sweeper{Catalogue: m.Catalogue, Blobs: m.Blobs, KeepLease: keep, OnDelete: m.OnRetentionDelete, Rate: int(m.Config.RetentionRate), Now: m.Now}
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
	if err == nil && res.Deleted > 0 {
		// An epoch the sweep just emptied is destroyed now rather than at the next key-epochs
		// run (which destroys it too if this fails).
		err = m.destroyEndedEpochs(ctx)
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
			m.runner(holder, j).Run(ctx)
		}(j)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		m.syncEpochsLoop(ctx)
	}()
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
	if f := m.Twilio; f != nil { // like mail: claims keep nodes from fetching one recording twice
		wg.Add(1)
		go func() {
			defer wg.Done()
			f.Run(ctx)
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

// runner is the leased loop of j on this node.
func (m *Main) runner(holder string, j job) *jobs.Runner {
	r := &jobs.Runner{Name: j.name, RunOnce: j.run, Leases: m.Catalogue, Holder: holder,
		TTL: m.Config.LeaseTTL, Interval: m.Config.JobInterval, Logger: m.Logger}
	if m.onJobPoll != nil {
		r.OnPoll = func(holder string, held bool) { m.onJobPoll(j.name, holder, held) }
	}
	return r
}
