package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/httpserver"
	"github.com/callvault/callvault/internal/jobs"
	"github.com/callvault/callvault/internal/retention"
)

func runRetention(ctx context.Context, e env, args []string) error {
	if len(args) > 0 && args[0] == "status" {
		return runRetentionStatus(ctx, e, args[1:])
	}
	if len(args) == 0 || args[0] != "run" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(e.stdout, "Usage: callvault retention run [flags] | retention status [--json] [flags]\n\nrun deletes every recording whose retention period has ended and no hold keeps, now, on this\nnode (it waits for the retention lease if another node is sweeping). Serve runs the same sweep\nevery job_interval. status shows the compliance status: recordings past retention and not\ndeleted, holds, the oldest recording and the last sweeps; it exits 1 when sweeps have failed\nfor longer than --sweep-fail-after.")
			return nil
		}
		return &usageError{msg: "retention needs a subcommand: run or status", hint: "callvault retention run"}
	}
	fs := newFlagSet(e, "retention run", "retention run [flags]", true)
	wait := fs.Duration("wait", 2*time.Minute, "how long to wait for the lease if another node holds it")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &usageError{msg: fmt.Sprintf("unexpected argument %q", fs.Arg(0)), hint: "callvault retention run [--wait 2m]"}
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
	err = jobs.WhileLeased(ctx, retention.LeaseName, m.Config.LeaseTTL, m.Logger, keep, func(ctx context.Context) error {
		var err error
		res, err = m.retentionSweep(ctx, keep)
		return err
	})
	if errors.Is(err, jobs.ErrLeaseLost) {
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

// node names this node in the sweep's record: its host name (no process details).
func (m *Main) node() string {
	host, err := os.Hostname()
	if err != nil {
		return "unknown"
	}
	return host
}

// retentionStatus returns the reader of the compliance status, shared by the CLI and the API.
func (m *Main) retentionStatus() (*retention.Reader, error) {
	rs, ok := m.Catalogue.(callvault.RetentionStore)
	if !ok {
		return nil, callvault.Errorf(callvault.KindInternal, "this catalogue keeps no retention status")
	}
	hs, _ := m.Catalogue.(callvault.HoldStore)
	r := &retention.Reader{Store: rs, Holds: hs, RetentionMonths: m.Config.RetentionMonths, FailAfter: m.Config.SweepFailAfter,
		Epochs: m.epochStatusJSON}
	if m.Retention != nil {
		r.Period = m.Retention
	}
	return r, nil
}

func runRetentionStatus(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "retention status", "retention status [--json] [flags]", true)
	asJSON := fs.Bool("json", false, "print JSON (the same document as GET /api/v1/compliance/retention)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &usageError{msg: fmt.Sprintf("unexpected argument %q", fs.Arg(0)), hint: "callvault retention status [--json]"}
	}
	m, err := openMain(ctx, e, fs)
	if err != nil {
		return err
	}
	defer m.Close()
	r, err := m.retentionStatus()
	if err != nil {
		return err
	}
	st, err := r.Read(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(st); err != nil {
			return err
		}
	} else {
		printRetentionStatus(e.stdout, st)
	}
	if !st.Healthy {
		return fmt.Errorf("retention is not healthy: %s", st.Problem)
	}
	return nil
}

func printRetentionStatus(w io.Writer, st *retention.Status) {
	zone := callvault.DefaultZone()
	day := func(t time.Time) string { return t.In(zone).Format(time.DateOnly) }
	when := func(t time.Time) string { return t.In(zone).Format("2006-01-02 15:04 MST") }
	fmt.Fprintf(w, "retention: %d months\n", st.RetentionMonths)
	fmt.Fprintf(w, "live recordings: %d\n", st.Live)
	fmt.Fprintf(w, "past retention, not deleted: %d (held: %d)\n", st.ExpiredNotDeleted, st.HeldExpired)
	if st.Oldest != nil {
		fmt.Fprintf(w, "oldest recording: %s, started %s, retained until %s\n", st.Oldest.ID, day(st.Oldest.StartedAt), day(st.Oldest.RetainUntil))
	}
	if s := st.LastSweep; s != nil {
		fmt.Fprintf(w, "last successful sweep: %s on %s: %d deleted, %d held\n", when(s.FinishedAt), s.Node, s.Deleted, s.Held)
	} else {
		fmt.Fprintln(w, "last successful sweep: none yet")
	}
	if s := st.LastFailedSweep; s != nil && !st.FailingSince.IsZero() {
		fmt.Fprintf(w, "sweeps failing since %s; last error: %s\n", when(st.FailingSince), s.Error)
	}
	for _, h := range st.Holds {
		what := h.Reason
		if h.CaseID != "" {
			what = "case " + h.CaseID + ": " + h.Reason
		}
		due := ""
		if h.ReviewDue {
			due = " (review overdue)"
		}
		fmt.Fprintf(w, "held: recording %s, hold %s, %s, review %s%s\n", h.RecordingID, h.HoldID, what, day(h.ReviewAt), due)
	}
	printEpochStatus(w, st.Epochs)
	if st.Healthy {
		fmt.Fprintln(w, "status: ok")
	} else {
		fmt.Fprintf(w, "status: NOT OK: %s\n", st.Problem)
	}
}

// sweepHealth is the deep health check: an error when sweeps have failed too long (or the
// state cannot be read).
func (m *Main) sweepHealth(ctx context.Context, r *retention.Reader) error {
	st, err := r.Store.SweepState(ctx)
	if err != nil {
		return err
	}
	if p := retention.SweepProblem(st, time.Now(), r.FailAfter); p != "" {
		return errors.New(p)
	}
	return nil
}

// wireCompliance gives the HTTP server the compliance status and the deep health check.
func (m *Main) wireCompliance(h *httpserver.Config) {
	r, err := m.retentionStatus()
	if err != nil {
		return
	}
	h.Compliance = func(ctx context.Context) (any, error) { return r.Read(ctx) }
	h.DeepHealth = func(ctx context.Context) error { return m.sweepHealth(ctx, r) }
}
