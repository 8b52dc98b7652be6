package jobs

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/callvault/callvault"
)

// Runner is one leased background job: Run loops until its context ends, running RunOnce on
// the node holding the job's schedule lease once per Interval.
type Runner struct {
	// Name names the job and its work lease; the schedule lease is ScheduleLease(Name).
	Name string
	// RunOnce does one run of the job. keep renews the job's leases; a job working in batches
	// calls it between them and stops when it reports false (another node has the job). It is
	// also renewed in the background (WhileLeased), and RunOnce's context is cancelled if the
	// lease is lost.
	RunOnce func(ctx context.Context, keep func(context.Context) (bool, error)) error

	Leases   callvault.LeaseStore
	Holder   string        // this node's name as a lease holder
	TTL      time.Duration // how long a lease lasts without renewal
	Interval time.Duration // how often the job runs in the cluster
	Logger   *slog.Logger  // default slog.Default()
	// OnPoll, if set, is called after each poll of the schedule lease with whether this node
	// holds it (tests).
	OnPoll func(holder string, held bool)
}

// ScheduleLease names the lease of a job's scheduler.
func ScheduleLease(job string) string { return job + "/schedule" }

func (r *Runner) logger() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.Default()
}

// Run polls the schedule lease every min(TTL/3, Interval) until ctx ends, runs the job when
// this node is the scheduler and the interval is due, and gives the schedule lease up at the
// end. Failures are logged and retried at the next poll.
func (r *Runner) Run(ctx context.Context) {
	poll := min(r.TTL/3, r.Interval)
	acquire := func(ctx context.Context, name string) (bool, error) {
		return r.Leases.AcquireLease(ctx, name, r.Holder, r.TTL)
	}
	// While the job runs, keep renews both leases, so that a long run does not let another
	// node become the scheduler and run the job again right after.
	keep := func(ctx context.Context) (bool, error) {
		ok, err := acquire(ctx, r.Name)
		if err != nil || !ok {
			return ok, err
		}
		return acquire(ctx, ScheduleLease(r.Name))
	}
	var lastRun time.Time // when this node last ran the job as scheduler; zero: not since it became one
	for {
		sched, err := acquire(ctx, ScheduleLease(r.Name))
		switch {
		case err != nil:
			// Whether we are still the scheduler is unknown; the lease expires unless renewed.
			if ctx.Err() == nil {
				r.logger().Warn("cannot take or renew job lease", "job", r.Name, "err", err)
			}
		case !sched:
			lastRun = time.Time{} // another node schedules; if we take over, we run at once
		case lastRun.IsZero() || time.Since(lastRun) >= r.Interval:
			if ran, err := r.runLeased(ctx, keep); err != nil && ctx.Err() == nil {
				r.logger().Warn("background job failed; will retry", "job", r.Name, "err", err)
			} else if ran {
				lastRun = time.Now()
			}
		}
		if r.OnPoll != nil {
			r.OnPoll(r.Holder, sched && err == nil)
		}
		select {
		case <-ctx.Done():
			rctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			r.Leases.ReleaseLease(rctx, ScheduleLease(r.Name), r.Holder)
			cancel()
			return
		case <-time.After(poll):
		}
	}
}

// runLeased runs the job under its work lease and releases it afterwards. It reports false,
// without error, when someone else (an operator's manual run) holds the work lease.
func (r *Runner) runLeased(ctx context.Context, keep func(context.Context) (bool, error)) (bool, error) {
	got, err := r.Leases.AcquireLease(ctx, r.Name, r.Holder, r.TTL)
	if err != nil || !got {
		return false, err
	}
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		r.Leases.ReleaseLease(rctx, r.Name, r.Holder)
		cancel()
	}()
	err = WhileLeased(ctx, r.Name, r.TTL, r.logger(), keep, func(ctx context.Context) error { return r.RunOnce(ctx, keep) })
	if errors.Is(err, ErrLeaseLost) {
		return false, nil
	}
	return true, err
}
