package jobs

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"
)

// ErrLeaseLost is WhileLeased's error when the lease went to another node during the work.
var ErrLeaseLost = errors.New("the job's lease was lost to another node")

// WhileLeased runs fn while renewing the lease of job with keep every ttl/3, so that no batch,
// however slow (a rate-limited sweep, a slow object store), outlasts the lease. When keep
// reports the lease taken by another node, or cannot renew it before it would expire, fn's
// context is cancelled and WhileLeased returns ErrLeaseLost once fn has returned: two nodes
// never work on one job for longer than a renewal period.
func WhileLeased(ctx context.Context, job string, ttl time.Duration, logger *slog.Logger, keep func(context.Context) (bool, error), fn func(context.Context) error) error {
	if logger == nil {
		logger = slog.Default()
	}
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
				logger.Warn("job lease taken by another node; stopping", "job", job)
			case time.Since(renewed) < ttl-ttl/3:
				continue // try again; the lease still holds
			default:
				logger.Warn("cannot renew job lease before it expires; stopping", "job", job, "err", err)
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
		return ErrLeaseLost
	}
	return err
}
