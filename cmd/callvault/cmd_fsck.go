package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/retention"
)

func runFsck(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "fsck", "fsck [--repair] [flags]\n\nChecks that the catalogue and the blob store agree: blobs without a row, rows whose blob is\nmissing or differs, headers no key of this node opens. Each problem is printed; the exit status\nis 1 when any is left. --repair removes orphan blobs (audited).", true)
	repair := fs.Bool("repair", false, "remove orphan blobs (blobs no live recording names), each audited")
	grace := fs.Duration("grace", 10*time.Minute, "with --repair, keep orphans younger than this (an ingest on another node may be between its blob and its row)")
	asJSON := fs.Bool("json", false, "print each problem, then the summary, as JSON lines")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &usageError{msg: fmt.Sprintf("unexpected argument %q", fs.Arg(0)), hint: "callvault fsck [--repair] --data DIR (the vault is named by its flags)"}
	}
	if *grace < 0 {
		return &usageError{msg: "--grace must not be negative", hint: "e.g. --grace 10m, or --grace 0 when nothing is being ingested"}
	}
	m, err := openMain(ctx, e, fs)
	if err != nil {
		return err
	}
	defer m.Close()
	enc := json.NewEncoder(e.stdout)
	f := &retention.Fsck{
		Catalogue: m.Catalogue, Blobs: m.Blobs, Repair: *repair, Grace: *grace, Actor: string(cliActor(e)),
		Report: func(p retention.Problem) {
			if *asJSON {
				enc.Encode(p)
			} else {
				fmt.Fprintln(e.stdout, p.String())
			}
		},
	}
	if m.Keys.CanOpen() {
		f.OpenHeader = func(r *callvault.Recording, payload callvault.Blob) error {
			_, _, err := m.Keys.Open(r.KeyEpoch, r.Header, payload, payload.Size())
			return err
		}
	} else {
		fmt.Fprintln(e.stderr, "callvault: warning: this node holds no private key: headers are not checked")
	}
	res, err := f.Run(ctx)
	if res.Repaired > 0 {
		m.afterAudit(ctx)
	}
	if *asJSON {
		enc.Encode(map[string]any{"summary": res})
	} else {
		fmt.Fprintf(e.stdout, "checked %d recordings (%d bytes hashed, headers %s) and %d blobs: %d problems, %d repaired\n",
			res.Recordings, res.BytesHashed, map[bool]string{true: "opened", false: "not checked"}[res.HeadersChecked], res.Blobs, res.Problems, res.Repaired)
	}
	if err != nil {
		return fmt.Errorf("fsck stopped before the end: %w", err)
	}
	if res.Problems > 0 {
		return fmt.Errorf("fsck found %d problems", res.Problems)
	}
	return nil
}
