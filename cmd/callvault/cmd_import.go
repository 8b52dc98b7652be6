package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/importer"
	"github.com/callvault/callvault/internal/metadata"
)

func runImport(ctx context.Context, e env, args []string) error {
	usage := &usageError{msg: "import needs a source: freepbx or watch",
		hint: "callvault import freepbx --spool /var/spool/asterisk/monitor --cdr /var/log/asterisk/cdr-csv/Master.csv"}
	if len(args) == 0 {
		return usage
	}
	switch args[0] {
	case "freepbx":
		return runImportFreePBX(ctx, e, args[1:])
	case "watch":
		return runImportWatch(ctx, e, args[1:])
	case "-h", "--help", "-help", "help":
		fmt.Fprintf(e.stdout, "Usage: callvault import freepbx --spool DIR [--cdr Master.csv] [flags]\n"+
			"       callvault import watch DIR [flags]\n\nRun `callvault import freepbx --help` or `callvault import watch --help` for the flags.\n")
		return nil
	}
	return &usageError{msg: fmt.Sprintf("unknown import source %q", args[0]), hint: usage.hint}
}

// importFlags are the flags every import shares.
type importFlags struct {
	settle       *time.Duration
	poll         *time.Duration
	deleteSource *bool
	watch        *bool
}

func addImportFlags(fset interface {
	Duration(string, time.Duration, string) *time.Duration
	Bool(string, bool, string) *bool
}, watchFlag bool) importFlags {
	f := importFlags{
		settle: fset.Duration("settle", importer.DefaultSettle, "a file must be unchanged (and, with inotify, closed) this long before it is imported; younger files are left for the next run"),
		poll:   fset.Duration("poll", time.Second, "with --watch: how often the folder is looked at (without inotify, the only way changes are seen)"),
		deleteSource: fset.Bool("delete-source", false, "delete each source file once its recording is durable and its hash verified "+
			"(the blob read back, the file recognised by the archive as the stored audio)"),
	}
	if watchFlag {
		f.watch = fset.Bool("watch", false, "keep running: import each new file once it is complete (inotify where available, polling otherwise)")
	}
	return f
}

// importRun imports files one at a time through the same path as `callvault ingest`
// (ingestFile), applying the rules every capture path shares.
type importRun struct {
	e            env
	m            *Main
	actor        callvault.Actor
	lines        *importer.Lines
	deleteSource bool

	stored, already, refused, failed int
	waiting                          map[string]bool   // files left for a later run or look
	reported                         map[string]string // path -> last message, so a watcher says it once
}

func newImportRun(e env, m *Main, deleteSource bool) *importRun {
	return &importRun{e: e, m: m, actor: cliActor(e), lines: importer.NewLines(m.Config.Unrecorded, m.Config.Region),
		deleteSource: deleteSource, reported: map[string]string{}, waiting: map[string]bool{}}
}

// report prints a problem with one file, once per distinct message.
func (ir *importRun) report(path, kind, msg string) {
	if kind == "waiting" {
		ir.waiting[path] = true
	} else {
		delete(ir.waiting, path)
	}
	if ir.reported[path] == kind+msg {
		return
	}
	ir.reported[path] = kind + msg
	fmt.Fprintf(ir.e.stderr, "callvault: %s: %s\n", kind, msg)
}

// decode turns importer metadata into a recording by the upload API's rules.
func (ir *importRun) decode(meta *importer.Meta) (*callvault.Recording, error) {
	rec, err := metadata.Decode(bytes.NewReader(meta.JSON()), ir.m.Config.Region)
	if err != nil {
		return nil, err
	}
	callvault.ImportSource(rec)
	if len(meta.Attributes) > 0 {
		rec.Attributes = make(map[string]string, len(meta.Attributes))
		for k, v := range meta.Attributes {
			rec.Attributes[k] = v
		}
	}
	return rec, nil
}

// storedAlready returns the live recording of rec's source ID, or nil. legacy, if not empty,
// is the source ID an earlier version named the same file with (importer.LegacyFreePBXSourceID):
// a live recording under it is returned, and one deleted under it is a KindConflict, as a
// deleted recording's own source ID is, so that a change of naming never brings a call back.
func (ir *importRun) storedAlready(ctx context.Context, rec *callvault.Recording, legacy string) (*callvault.Recording, error) {
	for _, id := range []string{rec.SourceID, legacy} {
		if id == "" {
			continue
		}
		r, err := ir.m.Catalogue.RecordingBySource(ctx, callvault.SourceImport, id)
		if !callvault.IsKind(err, callvault.KindNotFound) {
			return r, err
		}
	}
	if legacy == "" {
		return nil, nil
	}
	t, err := ir.m.Catalogue.TombstoneBySource(ctx, callvault.SourceImport, legacy)
	switch {
	case err == nil:
		return nil, callvault.Errorf(callvault.KindConflict,
			"this recording was stored before (as %s, recording %s) and has been deleted; it is not stored again", legacy, t.ID)
	case callvault.IsKind(err, callvault.KindNotFound):
		return nil, nil
	}
	return nil, err
}

// store imports the file at path with metadata rec: refused if it is a call on an unrecorded
// line (reported and audited), skipped if its source ID (or legacy, see storedAlready) is
// stored, else ingested. With --delete-source the file is then verified and deleted. It reports
// whether the file is done with (stored, already stored or refused); a failure is reported and
// leaves the file.
func (ir *importRun) store(ctx context.Context, path string, rec *callvault.Recording, legacy string) bool {
	if err := ir.lines.Check(rec); err != nil {
		ir.refused++
		ir.report(path, "refused", fmt.Sprintf("%s: %v", path, err))
		// The event outlives every recording; the file's path is not in it, since file names
		// (FreePBX's among them) hold the parties' numbers. The source ID names the file.
		if aerr := ir.m.audit(ctx, ir.actor, callvault.ActionImportRefused, "import:"+rec.SourceID, map[string]any{
			"source": callvault.SourceImport, "source_id": rec.SourceID, "reason": err.Error()}); aerr != nil {
			ir.failed++
			ir.report(path, "error", fmt.Sprintf("%s: cannot audit the refusal: %v", path, aerr))
		}
		return true
	}
	r, err := ir.storedAlready(ctx, rec, legacy)
	if err != nil {
		err = fmt.Errorf("%s: %w", path, err)
	}
	created := false
	if err == nil && r == nil {
		r, created, err = ingestFile(ctx, ir.m, ir.actor, path, rec)
	}
	if err != nil {
		ir.failed++
		ir.report(path, "error", err.Error())
		return false
	}
	delete(ir.waiting, path)
	if created {
		ir.stored++
	} else {
		ir.already++
	}
	printIngested(ir.e, path, r, created)
	if ir.deleteSource {
		meta := *rec
		meta.SourceID = r.SourceID // stored under legacy: the archive must recognise it under that
		if err := importer.VerifyStored(ctx, ir.m.Blobs, ir.m.Archive, ir.actor, r, path, &meta); err != nil {
			ir.failed++
			ir.report(path, "error", err.Error())
			return true
		}
		if err := os.Remove(path); err != nil {
			ir.report(path, "warning", fmt.Sprintf("%s: stored and verified, but cannot delete it: %v", path, err))
			return true
		}
		fmt.Fprintf(ir.e.stdout, "%s\tdeleted\t%s\n", r.ID, path)
	}
	return true
}

// summary ends a run: an error if any file failed, so that scripts notice.
func (ir *importRun) summary() error {
	fmt.Fprintf(ir.e.stderr, "callvault: %d stored, %d already stored, %d refused, %d waiting, %d failed\n",
		ir.stored, ir.already, ir.refused, len(ir.waiting), ir.failed)
	if ir.failed > 0 {
		return fmt.Errorf("%d files could not be imported (each is named above with the reason; nothing was stored for them); "+
			"fix them and run the same command again: stored files are skipped", ir.failed)
	}
	return nil
}

// withVault opens the vault (and the embedded ingest lock) and runs fn.
func withVault(ctx context.Context, e env, fsetArgs func() (*Main, error), fn func(m *Main) error) error {
	m, err := fsetArgs()
	if err != nil {
		return err
	}
	defer m.Close()
	if m.Config.Embedded() {
		lock, err := lockIngestShared(m.Config.Data)
		if err != nil {
			return err
		}
		defer lock.Close()
	}
	return fn(m)
}

func loadZone(flag, name string) (*time.Location, error) {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, &usageError{msg: fmt.Sprintf("--%s %q is not a time zone: %v", flag, name, err), hint: "give an IANA zone such as Europe/London, or UTC"}
	}
	return loc, nil
}

// isDir checks a folder flag.
func isDir(flag, dir string) error {
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		return &usageError{msg: fmt.Sprintf("--%s %s is not a folder", flag, dir), hint: "give the folder the recordings are in"}
	}
	return nil
}

// wavOnly matches the files imports take.
func wavOnly(p string) bool { return strings.EqualFold(filepath.Ext(p), ".wav") }
