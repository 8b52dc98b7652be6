package main

import (
	"bufio"
	"context"
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
		case "-h", "--help", "help":
			fmt.Fprintln(e.stdout, "Usage: callvault audit verify [flags] | callvault audit export --since TIME [flags]")
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
	since := fs.String("since", "", "export events at or after this time (RFC 3339, e.g. 2026-11-01T00:00:00Z, or a date 2026-11-01)")
	out := fs.String("out", "", "write to FILE instead of standard output")
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
