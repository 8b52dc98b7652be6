package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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
		case "witness-rotate":
			return runAuditWitnessRotate(ctx, e, args[1:])
		case "-h", "--help", "help":
			fmt.Fprintln(e.stdout, "Usage: callvault audit verify [--witness F] [flags] | audit export --since TIME [--out F] [--checkpoints F] [flags]\n"+
				"       | audit verify-export EVENTS.jsonl --checkpoints CHECKPOINTS.jsonl --verify-key audit-signing.pub [--witness F]\n"+
				"       | audit witness-rotate --reason TEXT [flags]")
			return nil
		}
	}
	return &usageError{msg: "audit needs a subcommand: verify, export, verify-export or witness-rotate", hint: "callvault audit verify"}
}

func runAuditVerify(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "audit verify", "audit verify [flags]", true)
	skipBlobs := fs.Bool("skip-blobs", false, "check the audit chain and checkpoints only, not every recording's blob")
	pubPath := fs.String("verify-key", "", "audit signing public key file (default <keys>/"+vault.VerifyKeyFile+")")
	var others fileList
	fs.Var(&others, "witness", "also check the checkpoints of this witness file, e.g. another node's (repeatable; the node's own --audit-witness is always checked)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	m, err := openMain(ctx, e, fs)
	if err != nil {
		return err
	}
	defer m.Close()
	vaultID, err := audit.VaultID(ctx, m.Catalogue)
	if err != nil {
		return err
	}
	// Read before the log is walked: every witnessed checkpoint then vouches for an event that
	// was committed before the walk began.
	witness, notes, err := readWitnesses(vaultID, m.Config.WitnessPath(), others)
	if err != nil {
		return err
	}
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
	rep, err := audit.Verify(ctx, m.Catalogue, m.Blobs, pub, audit.VerifyOptions{SkipBlobs: *skipBlobs, Witness: witness})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "events: %d, checkpoints: %d, witnessed checkpoints: %d, recordings: %d, bytes hashed: %d, in %s\n",
		rep.Events, rep.Checkpoints, rep.Witnessed, rep.Recordings, rep.BytesHashed, time.Since(start).Round(time.Millisecond))
	for _, n := range notes {
		fmt.Fprintf(e.stdout, "note: %s\n", n)
	}
	if !rep.OK() {
		for _, p := range rep.Problems {
			fmt.Fprintf(e.stdout, "PROBLEM %s\n", p)
		}
		// The checkpoint this process would sign at exit would vouch for the broken log.
		if m.Checkpointer != nil {
			m.Checkpointer.Refuse("audit verify found the log broken (" + rep.FirstProblem().String() + ")")
		}
		return &verifyFailed{first: rep.FirstProblem().String()}
	}
	fmt.Fprintln(e.stdout, "OK: the audit chain is unbroken and reaches every witnessed checkpoint, every checkpoint signature is valid, "+
		"every recording matches its audit events and its hash")
	return m.audit(ctx, cliActor(e), callvault.ActionAuditVerify, "audit:log",
		map[string]any{"events": rep.Events, "recordings": rep.Recordings, "result": "ok"})
}

func runAuditExport(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "audit export", "audit export --since TIME [--out FILE] [flags]", true)
	since := fs.String("since", "", "export from the first event at or after this time to the end of the log (RFC 3339, e.g. 2026-11-01T00:00:00Z, or a date 2026-11-01)")
	out := fs.String("out", "", "write to FILE instead of standard output")
	cpOut := fs.String("checkpoints", "", "also sign a checkpoint of the head and write the signed checkpoints that cover the exported events to FILE (JSON lines), for `audit verify-export`")
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
	if *cpOut != "" && m.Checkpointer != nil {
		// A checkpoint of the head signed now dates the export: a witnessed checkpoint past the
		// export's end but signed before this one shows the auditor a cut tail. It is also the
		// checkpointer's check of the log, so a truncated or rewritten log is not exported as
		// if it were whole.
		if err := m.Checkpointer.CheckpointHead(ctx); err != nil {
			return fmt.Errorf("cannot sign a checkpoint to date the export (run `callvault audit verify`): %w", err)
		}
	}
	res, err := audit.Export(ctx, m.Catalogue, t, w)
	if err != nil {
		return err
	}
	if *cpOut != "" {
		if err := writeCheckpoints(ctx, m, res, *cpOut); err != nil {
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
	fmt.Fprintf(e.stderr, "callvault: exported %d events\n", res.Events)
	return m.audit(ctx, cliActor(e), callvault.ActionAuditExport, "audit:log", map[string]any{"since": *since, "events": res.Events,
		"first_seq": res.First, "last_seq": res.Last})
}

// writeCheckpoints writes, as JSON lines, the checkpoints of the exported events: the ones an
// outside verifier can check against the export. Checkpoints another node signed after the
// export was read are left out: they vouch for events the export does not hold.
func writeCheckpoints(ctx context.Context, m *Main, res audit.Exported, path string) error {
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
		if res.Events > 0 && c.Seq >= res.First && c.Seq <= res.Last {
			if err := enc.Encode(c); err != nil {
				return err
			}
		}
	}
	return f.Sync()
}

// runAuditWitnessRotate archives the node's witness file and starts a new one, audited. It is
// for a legitimate restore of the catalogue from a backup: the witness then holds checkpoints
// past the restored log's end, which `audit verify` names and over which the checkpointer
// (rightly) refuses to sign. The old file is kept, never deleted, as evidence.
func runAuditWitnessRotate(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "audit witness-rotate", "audit witness-rotate --reason TEXT [flags]", true)
	reason := fs.String("reason", "", `why the witness file is archived, recorded in the audit log (e.g. "catalogue restored from the backup of 2026-11-28")`)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if strings.TrimSpace(*reason) == "" {
		return &usageError{msg: "witness-rotate needs --reason", hint: `callvault audit witness-rotate --reason "catalogue restored from the backup of 2026-11-28"`}
	}
	m, err := openMain(ctx, e, fs)
	if err != nil {
		return err
	}
	defer m.Close()
	if m.Checkpointer == nil {
		return &usageError{msg: "this node holds no audit signing key, so it has no witness file", hint: "run it with the vault's key directory (--keys)"}
	}
	w := m.Checkpointer.Witness
	archive := w.Path + "." + time.Now().UTC().Format("20060102T150405.000000000Z") + ".archived"
	var recordErr error
	err = w.Rotate(archive, func(sum string, size int64) error {
		recordErr = m.Catalogue.AppendAudit(ctx, &callvault.AuditEvent{Time: time.Now(), Actor: string(cliActor(e)),
			Action: callvault.ActionAuditWitnessRotate, Object: "audit:witness", Detail: callvault.AuditDetail(map[string]any{
				"reason": *reason, "witness": w.Path, "archived_as": archive, "sha256": sum, "size": size})})
		return recordErr
	})
	switch {
	case err != nil && err == recordErr:
		return err
	case callvault.IsKind(err, callvault.KindNotFound):
		return &usageError{msg: callvault.ErrorMessage(err) + ": nothing to archive", hint: "give the node's witness file with --audit-witness"}
	case err != nil:
		return &usageError{msg: callvault.ErrorMessage(err),
			hint: "an append-only file (chattr +a) cannot be moved: clear the attribute, run this again, and set it on the new file once it exists"}
	}
	// The checkpoint signed as this command exits starts the new file.
	fmt.Fprintf(e.stdout, "archived the witness file %s as %s; the next checkpoint starts a new one\n", w.Path, archive)
	return nil
}

// fileList is a repeatable flag of file names.
type fileList []string

func (l *fileList) String() string     { return strings.Join(*l, ",") }
func (l *fileList) Set(s string) error { *l = append(*l, s); return nil }

// readWitnesses reads witness files for a check of the vault whose VaultID is vault ("" when it
// cannot be told, and then every line counts). The first, own, is the node's own file ("" for
// none) and may be missing (a node that has signed no checkpoint yet, or an installation from
// before witness files): that is a note, since the check it enables cannot be made. A missing
// file among others, given explicitly, is a usage error. Incomplete lines (a write a crash
// interrupted) and lines of another vault (a key directory used by two vaults) are skipped,
// each with a note.
func readWitnesses(vault, own string, others []string) (cps []*callvault.Checkpoint, notes []string, err error) {
	for i, path := range append([]string{own}, others...) {
		if path == "" {
			continue
		}
		w, err := audit.ReadWitness(path)
		if callvault.IsKind(err, callvault.KindNotFound) && i == 0 {
			notes = append(notes, fmt.Sprintf("no witness file at %s: a cut of the log's tail together with its checkpoint rows cannot be detected "+
				"(it is written from the next checkpoint on; see --audit-witness)", path))
			continue
		}
		if err != nil {
			return nil, nil, &usageError{msg: callvault.ErrorMessage(err), hint: "give a witness file written by callvault (--audit-witness, default <keys>/" + audit.WitnessFile + ")"}
		}
		if w.Incomplete > 0 {
			notes = append(notes, fmt.Sprintf("%s has %d incomplete line(s), left by a write a crash interrupted; they are skipped", path, w.Incomplete))
		}
		if _, foreign := w.Of(vault); foreign > 0 {
			notes = append(notes, fmt.Sprintf("%s holds %d checkpoint(s) naming another vault (its audit event 1 is not this log's); they are checked like the others: "+
				"either this log was rewritten from its first event, or another vault uses this witness file too "+
				"(then give each vault its own --audit-witness, and archive this file with `callvault audit witness-rotate`)", path, foreign))
		}
		if vault == "" && vaultsNamed(w.Vaults) > 1 {
			notes = append(notes, fmt.Sprintf("%s holds checkpoints of more than one vault, which cannot be told apart without the log's event 1; all are checked", path))
		}
		cps = append(cps, w.Checkpoints...)
	}
	return cps, notes, nil
}

// runAuditVerifyExport verifies an export offline, as an outside auditor does: no database, no
// blob store, only the export, its checkpoints and the public verify key.
func runAuditVerifyExport(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "audit verify-export", "audit verify-export EVENTS.jsonl --checkpoints CHECKPOINTS.jsonl --verify-key audit-signing.pub [--witness checkpoints.jsonl]", false)
	cpPath := fs.String("checkpoints", "", "the checkpoints file written by `audit export --checkpoints`")
	keyPath := fs.String("verify-key", "", "the vault's audit-signing.pub")
	var witnessPaths fileList
	fs.Var(&witnessPaths, "witness", "a witness file of the vault (its nodes' checkpoints.jsonl), kept apart from the database (repeatable)")
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
	wcps, notes, err := readWitnesses(exportVault(fs.Arg(0)), "", witnessPaths)
	if err != nil {
		return err
	}
	witness := make([]callvault.Checkpoint, len(wcps))
	for i, c := range wcps {
		witness[i] = *c
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return &usageError{msg: fmt.Sprintf("cannot read the export: %v", err), hint: "check the path"}
	}
	defer f.Close()
	rep, err := audit.VerifyStream(f, pub, cps, witness)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "events: %d, checkpoints: %d, witnessed checkpoints: %d\n", rep.Events, rep.Checkpoints, rep.Witnessed)
	if rep.WitnessNewer > 0 {
		notes = append(notes, fmt.Sprintf("%d witnessed checkpoint(s) were signed after the export was read and say nothing about it; export again to check them", rep.WitnessNewer))
	}
	for _, n := range notes {
		fmt.Fprintf(e.stdout, "note: %s\n", n)
	}
	if !rep.OK() {
		for _, p := range rep.Problems {
			fmt.Fprintf(e.stdout, "PROBLEM %s\n", p)
		}
		return &verifyFailed{first: rep.FirstProblem().String()}
	}
	fmt.Fprintln(e.stdout, "OK: the exported events form an unbroken chain and every checkpoint signature matches them")
	return nil
}

// vaultsNamed counts the different vaults witness lines name.
func vaultsNamed(vaults []string) int {
	seen := map[string]bool{}
	for _, v := range vaults {
		if v != "" {
			seen[v] = true
		}
	}
	return len(seen)
}

// exportVault returns the VaultID of the log an export was taken from when the export starts at
// event 1, and "" otherwise (witness lines are then not told apart by vault).
func exportVault(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	var ev callvault.AuditEvent
	if err := json.NewDecoder(f).Decode(&ev); err != nil || ev.Seq != 1 {
		return ""
	}
	return ev.Hash
}
