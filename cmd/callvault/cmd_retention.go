package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/retention"
)

func runRetention(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || args[0] != "run" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(e.stdout, "Usage: callvault retention run [flags]\n\nDeletes every recording whose retention period has ended, now, on this node (it waits\nfor the retention lease if another node is sweeping). Serve runs the same sweep every job_interval.")
			return nil
		}
		return &usageError{msg: "retention needs a subcommand: run", hint: "callvault retention run"}
	}
	fs := newFlagSet(e, "retention run", "retention run [flags]", true)
	wait := fs.Duration("wait", 2*time.Minute, "how long to wait for the lease if another node holds it")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	m, err := openMain(ctx, e, fs)
	if err != nil {
		return err
	}
	defer m.Close()
	if err := m.checkDeletesAreFinal(ctx); err != nil {
		return err
	}
	holder := nodeID()
	deadline := time.Now().Add(*wait)
	for {
		got, err := m.Catalogue.AcquireLease(ctx, retention.LeaseName, holder, m.Config.LeaseTTL)
		if err != nil {
			return err
		}
		if got {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("another node holds the retention lease; try again later or raise --wait")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
	defer m.Catalogue.ReleaseLease(context.Background(), retention.LeaseName, holder)
	keep := func(ctx context.Context) (bool, error) {
		return m.Catalogue.AcquireLease(ctx, retention.LeaseName, holder, m.Config.LeaseTTL)
	}
	var res retention.Result
	err = m.whileLeased(ctx, retention.LeaseName, keep, func(ctx context.Context) error {
		var err error
		res, err = m.retentionSweep(ctx, keep)
		return err
	})
	if errors.Is(err, errLeaseLost) {
		err = fmt.Errorf("stopped: %w; the node that took it goes on with the sweep", err)
	}
	fmt.Fprintf(e.stdout, "deleted %d recordings (%d already deleted by another node)\n", res.Deleted, res.Skipped)
	if len(res.Held) > 0 {
		fmt.Fprintf(e.stdout, "kept %d expired recordings on hold:\n", res.HeldRecordings)
		for _, h := range res.Held {
			fmt.Fprintf(e.stdout, "  recording %s: hold %s, review %s\n", h.RecordingID, h.ID, h.ReviewAt.In(callvault.DefaultZone()).Format(time.DateOnly))
		}
	}
	return err
}
