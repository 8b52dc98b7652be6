package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/retention"
)

const holdUsage = `Usage:
  callvault hold add --recording ID --reason TEXT --review YYYY-MM-DD [--case ID]
  callvault hold release --reason TEXT HOLD-ID
  callvault hold list [--all] [--json]

A recording on hold cannot be deleted, by the retention sweep or by anyone, until every hold on
it is released (Data Protection Act 2018 s.173). Every hold and release is audited.`

func runHold(ctx context.Context, e env, args []string) error {
	usage := &usageError{msg: "hold needs a subcommand: add, release or list", hint: "callvault hold add --recording ID --reason TEXT --review YYYY-MM-DD"}
	if len(args) == 0 {
		return usage
	}
	switch args[0] {
	case "add":
		return runHoldAdd(ctx, e, args[1:])
	case "release":
		return runHoldRelease(ctx, e, args[1:])
	case "list":
		return runHoldList(ctx, e, args[1:])
	case "-h", "--help", "help":
		fmt.Fprintln(e.stdout, holdUsage)
		return nil
	}
	return usage
}

// holdService returns the holds service on m's catalogue.
func (m *Main) holdService() (*retention.Holds, error) {
	hs, ok := m.Catalogue.(callvault.HoldStore)
	if !ok {
		return nil, callvault.Errorf(callvault.KindInternal, "this catalogue does not keep holds")
	}
	return m.holds(hs), nil
}

// holds is the holds service over hs (the catalogue) that the CLI and the case desk share: on
// a node with the key directory it moves held recordings to the hold key and back.
func (m *Main) holds(hs callvault.HoldStore) *retention.Holds {
	s := &retention.Holds{Store: hs, Now: m.Now}
	if ks, ok := m.Catalogue.(retention.HoldKeyStore); ok && m.Epochs != nil && m.Keys.CanOpen() {
		s.Recordings, s.Rewrapper = ks, m.Epochs
		s.OnRewrapError = func(id string, err error) {
			m.Logger.Warn("a held or released recording's header could not be re-wrapped yet; the key-epochs job retries (the hold stands)",
				"recording", id, "err", err)
		}
	}
	return s
}

func runHoldAdd(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "hold add", "hold add --recording ID --reason TEXT --review YYYY-MM-DD [flags]", true)
	rec := fs.String("recording", "", "ID of the recording to hold")
	reason := fs.String("reason", "", "why the recording must be kept (audited)")
	review := fs.String("review", "", "date by which the hold should be reviewed, YYYY-MM-DD")
	caseID := fs.String("case", "", "the case the hold serves (optional)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *rec == "" || *reason == "" || *review == "" {
		return &usageError{msg: "hold add needs --recording, --reason and --review", hint: `callvault hold add --recording ID --reason "complaint 17" --review 2027-03-01`}
	}
	reviewAt, err := retention.ParseReviewDate(*review, nil)
	if err != nil {
		return &usageError{msg: callvault.ErrorMessage(err), hint: "e.g. --review 2027-03-01"}
	}
	m, err := openMain(ctx, e, fs)
	if err != nil {
		return err
	}
	defer m.Close()
	svc, err := m.holdService()
	if err != nil {
		return err
	}
	h, err := svc.Place(ctx, retention.PlaceRequest{RecordingID: *rec, Reason: *reason, CaseID: *caseID, ReviewAt: reviewAt, Actor: string(cliActor(e))})
	if err != nil {
		return err
	}
	m.afterAudit(ctx)
	fmt.Fprintln(e.stdout, h.ID)
	fmt.Fprintf(e.stderr, "callvault: recording %s is on hold %s until released; review by %s\n", h.RecordingID, h.ID, h.ReviewAt.Format(time.DateOnly))
	return nil
}

func runHoldRelease(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "hold release", "hold release --reason TEXT [flags] HOLD-ID", true)
	reason := fs.String("reason", "", "why the hold is no longer needed (audited)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *reason == "" {
		return &usageError{msg: "hold release needs one hold ID and --reason", hint: `callvault hold release --reason "case closed" HOLD-ID (see callvault hold list)`}
	}
	m, err := openMain(ctx, e, fs)
	if err != nil {
		return err
	}
	defer m.Close()
	svc, err := m.holdService()
	if err != nil {
		return err
	}
	h, err := svc.Release(ctx, fs.Arg(0), string(cliActor(e)), *reason)
	if err != nil {
		return err
	}
	m.afterAudit(ctx)
	fmt.Fprintf(e.stdout, "released hold %s on recording %s\n", h.ID, h.RecordingID)
	return nil
}

func runHoldList(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "hold list", "hold list [flags]", true)
	all := fs.Bool("all", false, "include released holds")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	m, err := openMain(ctx, e, fs)
	if err != nil {
		return err
	}
	defer m.Close()
	svc, err := m.holdService()
	if err != nil {
		return err
	}
	holds, err := svc.List(ctx, callvault.HoldFilter{ActiveOnly: !*all})
	if err != nil {
		return err
	}
	if *asJSON {
		if holds == nil {
			holds = []*callvault.Hold{}
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(holds)
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tRECORDING\tCASE\tREVIEW\tPLACED BY\tRELEASED\tREASON")
	for _, h := range holds {
		released, c := "-", h.CaseID
		if !h.Active() {
			released = h.ReleasedAt.Format(time.DateOnly)
		}
		if c == "" {
			c = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%q\n", h.ID, h.RecordingID, c, h.ReviewAt.In(callvault.DefaultZone()).Format(time.DateOnly),
			h.PlacedBy, released, h.Reason)
	}
	return tw.Flush()
}

// holdKeeper serves the holds API (through the case desk, cases.HoldKeeper) with the same
// service as the CLI.
type holdKeeper struct{ holds *retention.Holds }

func (k holdKeeper) Place(ctx context.Context, actor, recordingID, reason string, reviewAt time.Time) (*callvault.Hold, error) {
	return k.holds.Place(ctx, retention.PlaceRequest{RecordingID: recordingID, Reason: reason, ReviewAt: reviewAt, Actor: actor})
}

func (k holdKeeper) Release(ctx context.Context, actor, id, reason string) (*callvault.Hold, error) {
	return k.holds.Release(ctx, id, actor, reason)
}

func (k holdKeeper) Hold(ctx context.Context, id string) (*callvault.Hold, error) {
	return k.holds.Store.Hold(ctx, id)
}

func (k holdKeeper) List(ctx context.Context, f callvault.HoldFilter) ([]*callvault.Hold, error) {
	return k.holds.List(ctx, f)
}
