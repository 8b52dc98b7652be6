package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audit"
	"github.com/callvault/callvault/internal/vault"
)

// verifyFailed is returned when verification finds a problem; the exit code is 1.
type verifyFailed struct{ first string }

func (v *verifyFailed) Error() string { return "audit verification FAILED: " + v.first }

func runAudit(ctx context.Context, e env, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "verify":
			return runAuditVerify(ctx, e, args[1:])
		case "export":
			return runAuditExport(ctx, e, args[1:])
		case "verify-export":
			return runAuditVerifyExport(ctx, e, args[1:])
		case "-h", "--help", "help":
			fmt.Fprintln(e.stdout, "Usage: callvault audit verify [flags] | audit export --since TIME [--out F] [--checkpoints F] [flags]\n"+
				"       | audit verify-export EVENTS.jsonl --checkpoints CHECKPOINTS.jsonl --verify-key audit-signing.pub")
			return nil
		}
	}
	return &usageError{msg: "audit needs a subcommand: verify or export", hint: "callvault audit verify"}
}

func runAuditVerify(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "audit verify", "audit verify [flags]", true)
	skipBlobs := fs.Bool("skip-blobs", false, "check the audit chain and checkpoints only, not every recording's blob")
	pubPath := fs.String("verify-key", "", "audit signing public key file (default <keys>/"+vault.VerifyKeyFile+")")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	m, err := openMain(ctx, e, fs)
	if err != nil {
		return err
	}
	defer m.Close()
	pub := m.Keys.VerifyKey()
	if *pubPath != "" || pub == nil {
		p := *pubPath
		if p == "" {
			p = filepath.Join(m.Config.KeysDir(), vault.VerifyKeyFile)
		}
		if pub, err = vault.ReadVerifyKey(p); err != nil {
			return err
		}
	}
	start := time.Now()
	rep, err := audit.Verify(ctx, m.Catalogue, m.Blobs, pub, audit.VerifyOptions{SkipBlobs: *skipBlobs})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "events: %d, checkpoints: %d, recordings: %d, bytes hashed: %d, in %s\n",
		rep.Events, rep.Checkpoints, rep.Recordings, rep.BytesHashed, time.Since(start).Round(time.Millisecond))
	if !rep.OK() {
		for _, p := range rep.Problems {
			fmt.Fprintf(e.stdout, "PROBLEM %s\n", p)
		}
		return &verifyFailed{first: rep.FirstProblem().String()}
	}
	fmt.Fprintln(e.stdout, "OK: the audit chain is unbroken, every checkpoint signature is valid, every recording matches its hash")
	return m.audit(ctx, cliActor(e), callvault.ActionAuditVerify, "audit:log",
		map[string]any{"events": rep.Events, "recordings": rep.Recordings, "result": "ok"})
}

func runAuditExport(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "audit export", "audit export --since TIME [--out FILE] [flags]", true)
	since := fs.String("since", "", "export from the first event at or after this time to the end of the log (RFC 3339, e.g. 2026-11-01T00:00:00Z, or a date 2026-11-01)")
	out := fs.String("out", "", "write to FILE instead of standard output")
	cpOut := fs.String("checkpoints", "", "also write the signed checkpoints that cover the exported events to FILE (JSON lines), for `audit verify-export`")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	t, err := parseWhen("--since", *since, time.Time{})
	if err != nil {
		return err
	}
	m, err := openMain(ctx, e, fs)
	if err != nil {
		return err
	}
	defer m.Close()
	w := bufio.NewWriter(e.stdout)
	var f *os.File
	if *out != "" {
		if f, err = os.OpenFile(*out, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600); err != nil {
			return &usageError{msg: fmt.Sprintf("cannot create %s: %v", *out, err), hint: "the export file must not exist yet"}
		}
		defer f.Close()
		w = bufio.NewWriter(f)
	}
	n, err := audit.Export(ctx, m.Catalogue, t, w)
	if err != nil {
		return err
	}
	if *cpOut != "" {
		if err := writeCheckpoints(ctx, m, t, *cpOut); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if f != nil {
		if err := f.Sync(); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stderr, "callvault: exported %d events\n", n)
	return m.audit(ctx, cliActor(e), callvault.ActionAuditExport, "audit:log", map[string]any{"since": *since, "events": n})
}

// writeCheckpoints writes, as JSON lines, the checkpoints at or after the first event exported
// for since: the ones an outside verifier can check against the export.
func writeCheckpoints(ctx context.Context, m *Main, since time.Time, path string) error {
	first := int64(-1)
	for after := int64(0); first < 0; {
		evs, err := m.Catalogue.AuditEvents(ctx, after, callvault.MaxSearchLimit)
		if err != nil {
			return err
		}
		if len(evs) == 0 {
			break
		}
		for _, ev := range evs {
			if !ev.Time.Before(since) {
				first = ev.Seq
				break
			}
		}
		after = evs[len(evs)-1].Seq
	}
	cps, err := m.Catalogue.Checkpoints(ctx)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return &usageError{msg: fmt.Sprintf("cannot create %s: %v", path, err), hint: "the checkpoints file must not exist yet"}
	}
	defer f.Close()
	enc := json.NewEncoder(f)
	for _, c := range cps {
		if first >= 0 && c.Seq >= first {
			if err := enc.Encode(c); err != nil {
				return err
			}
		}
	}
	return f.Sync()
}

// runAuditVerifyExport verifies an export offline, as an outside auditor does: no database, no
// blob store, only the export, its checkpoints and the public verify key.
func runAuditVerifyExport(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "audit verify-export", "audit verify-export EVENTS.jsonl --checkpoints CHECKPOINTS.jsonl --verify-key audit-signing.pub", false)
	cpPath := fs.String("checkpoints", "", "the checkpoints file written by `audit export --checkpoints`")
	keyPath := fs.String("verify-key", "", "the vault's audit-signing.pub")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *cpPath == "" || *keyPath == "" {
		return &usageError{msg: "verify-export needs the events file, --checkpoints and --verify-key", hint: "callvault audit verify-export events.jsonl --checkpoints cp.jsonl --verify-key audit-signing.pub"}
	}
	pub, err := vault.ReadVerifyKey(*keyPath)
	if err != nil {
		return err
	}
	cb, err := os.ReadFile(*cpPath)
	if err != nil {
		return &usageError{msg: fmt.Sprintf("cannot read checkpoints: %v", err), hint: "check the --checkpoints path"}
	}
	var cps []callvault.Checkpoint
	dec := json.NewDecoder(bytes.NewReader(cb))
	for dec.More() {
		var c callvault.Checkpoint
		if err := dec.Decode(&c); err != nil {
			return &usageError{msg: fmt.Sprintf("%s is not a checkpoints file: %v", *cpPath, err), hint: "write it with `callvault audit export --checkpoints FILE`"}
		}
		cps = append(cps, c)
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return &usageError{msg: fmt.Sprintf("cannot read the export: %v", err), hint: "check the path"}
	}
	defer f.Close()
	rep, err := audit.VerifyStream(f, pub, cps)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "events: %d, checkpoints: %d\n", rep.Events, rep.Checkpoints)
	if !rep.OK() {
		for _, p := range rep.Problems {
			fmt.Fprintf(e.stdout, "PROBLEM %s\n", p)
		}
		return &verifyFailed{first: rep.FirstProblem().String()}
	}
	fmt.Fprintln(e.stdout, "OK: the exported events form an unbroken chain and every checkpoint signature matches them")
	return nil
}
