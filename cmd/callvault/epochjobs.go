package main

import (
	"context"
	"time"

	"github.com/callvault/callvault"
)

// keyEpochsJob is the leased job that moves recordings still sealed to the vault key into their
// epochs, a batch at a time (resumable: what is moved stays moved), then destroys the key epochs
// whose month has ended and that seal no live recording. The retention sweep may also call
// m.Epochs.DestroyEnded right after deleting, so that an epoch goes as soon as it is empty.
const keyEpochsJob = "key-epochs"

const migrateBatch = 500

// epochJobs returns the key-epochs job on a node that can do epoch work (doesEpochWork), and
// nothing on a recorder-only node: holding no identity, it has none to create, re-wrap with or
// delete, and were it to take the job's lease it would run the job as a no-op while keeping
// every node with the key directory from running it.
func (m *Main) epochJobs() []job {
	if !m.doesEpochWork() {
		return nil
	}
	return []job{{keyEpochsJob, m.runKeyEpochs}}
}

// doesEpochWork reports whether this node creates, re-wraps with and destroys key epochs: it
// holds the key directory. A recorder-only node (--recipient) only seals, to the recipients the
// catalogue records, and honours destructions (syncEpochsLoop).
func (m *Main) doesEpochWork() bool { return m.Epochs != nil && m.Keys.CanOpen() }

func (m *Main) runKeyEpochs(ctx context.Context, keep func(context.Context) (bool, error)) error {
	if !m.doesEpochWork() {
		return nil // a recorder-only node cannot open headers to re-wrap or judge epochs
	}
	if _, err := m.Epochs.Sync(ctx); err != nil {
		return err
	}
	total := 0
	for after := ""; ; {
		moved, next, err := m.Epochs.MigrateVaultKey(ctx, after, migrateBatch)
		total += moved
		if err != nil {
			return err
		}
		if next == "" {
			break
		}
		after = next
		if keep != nil {
			if ok, err := keep(ctx); err != nil || !ok {
				return err
			}
		}
	}
	if total > 0 {
		m.Logger.Info("recordings moved to their key epochs", "count", total)
	}
	// Held recordings the hold key lacks (a hold placed on a node without the key directory, or
	// a crash before its re-wrap) move now, and released ones back, before epochs are judged.
	if hs, ok := m.Catalogue.(callvault.HoldStore); ok {
		if n, err := m.holds(hs).ReconcileHoldKey(ctx); err != nil {
			return err
		} else if n > 0 {
			m.Logger.Info("recordings moved to or from the hold key", "count", n)
		}
	}
	// After the moves: an epoch a recording just left may now be empty.
	return m.destroyEndedEpochs(ctx)
}

// destroyEndedEpochs destroys the key epochs whose month has ended and that seal no live
// recording (vault.Epochs.DestroyEnded), on a node with the key directory.
func (m *Main) destroyEndedEpochs(ctx context.Context) error {
	if !m.doesEpochWork() {
		return nil
	}
	destroyed, err := m.Epochs.DestroyEnded(ctx)
	if len(destroyed) > 0 {
		m.Logger.Info("key epochs destroyed", "epochs", destroyed)
	}
	return err
}

// syncEpochsLoop runs on every node (not only the one holding a job's lease): once per
// job_interval it reads the catalogue's record of destroyed epochs and deletes this node's copy
// of their identities, and learns the recipients recorded ahead.
func (m *Main) syncEpochsLoop(ctx context.Context) {
	if m.Epochs == nil {
		return
	}
	t := time.NewTicker(m.Config.JobInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if removed, err := m.Epochs.Sync(ctx); err != nil && ctx.Err() == nil {
			m.Logger.Warn("cannot sync key epochs with the catalogue; will retry", "err", err)
		} else if len(removed) > 0 {
			m.Logger.Info("destroyed key epochs deleted from this node's key directory", "epochs", removed)
		}
	}
}
