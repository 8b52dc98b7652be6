package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/callvault/callvault/internal/importer"
)

func runImportFreePBX(ctx context.Context, e env, args []string) error {
	fset := newFlagSet(e, "import freepbx", "import freepbx --spool DIR [--cdr Master.csv | --cdr-db DSN] [--tz ZONE] [--watch] [flags]", true)
	spool := fset.String("spool", "", "the MixMonitor spool (YYYY/MM/DD/ folders), usually /var/spool/asterisk/monitor")
	cdrPath := fset.String("cdr", "", "the CDR as Asterisk's cdr_csv writes it (Master.csv, loguniqueid=yes), for parties, names and announcement evidence; without it only file names are used")
	cdrDB := fset.String("cdr-db", "", "the CDR in FreePBX's MySQL/MariaDB database instead of --cdr: user:password@tcp(host:3306)/asteriskcdrdb (read only; table cdr); default $CALLVAULT_CDR_DB, which keeps the password out of the process list")
	tz := fset.String("tz", "Local", "the time zone of the spool's file names and folders (the PBX's zone), e.g. Europe/London; times are stored in UTC")
	cdrTZ := fset.String("cdr-tz", "", "the time zone of the CDR's times; default --tz (UTC if cdr.conf has usegmtime=yes)")
	flags := addImportFlags(fset, true)
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	if *cdrDB == "" && *cdrPath == "" {
		*cdrDB = e.getenv("CALLVAULT_CDR_DB")
	}
	switch {
	case fset.NArg() > 0:
		return &usageError{msg: fmt.Sprintf("unexpected argument %q", fset.Arg(0)), hint: "the spool folder goes after --spool"}
	case *spool == "":
		return &usageError{msg: "--spool is required", hint: "callvault import freepbx --spool /var/spool/asterisk/monitor --cdr /var/log/asterisk/cdr-csv/Master.csv"}
	case *cdrDB != "" && *cdrPath != "":
		return &usageError{msg: "--cdr and --cdr-db both given", hint: "give one CDR: Master.csv or the database"}
	}
	if err := isDir("spool", *spool); err != nil {
		return err
	}
	loc, err := loadZone("tz", *tz)
	if err != nil {
		return err
	}
	cloc := loc
	if *cdrTZ != "" {
		if cloc, err = loadZone("cdr-tz", *cdrTZ); err != nil {
			return err
		}
	}
	cdr := &cdrFile{path: *cdrPath, loc: cloc}
	if err := cdr.load(e); err != nil {
		return err
	}
	if *cdrDB != "" {
		db, err := importer.OpenCDRDB(ctx, *cdrDB, cloc)
		if err != nil {
			return &usageError{msg: fmt.Sprintf("cannot read --cdr-db: %v", err),
				hint: "give user:password@tcp(host:3306)/asteriskcdrdb of a user who may SELECT from its cdr table"}
		}
		defer db.Close()
		cdr.db = db
	}
	open := func() (*Main, error) { return openMain(ctx, e, fset) }
	return withVault(ctx, e, open, func(m *Main) error {
		ir := newImportRun(e, m, *flags.deleteSource)
		fp := &freepbxImport{ir: ir, spool: *spool, loc: loc, cdr: cdr}
		if *flags.watch {
			w := &importer.Watcher{Dir: *spool, Settle: *flags.settle, Poll: *flags.poll, Match: wavOnly}
			fmt.Fprintf(e.stderr, "callvault: watching %s; stop with Ctrl-C\n", *spool)
			err := w.Run(ctx, fp.ready)
			if ctx.Err() != nil {
				return ir.summary()
			}
			return err
		}
		return fp.batch(ctx, *flags.settle)
	})
}

// cdrFile is the Master.csv, read again when it has grown (a watcher needs the records of
// calls that end after it started).
type cdrFile struct {
	path string
	loc  *time.Location
	mod  time.Time
	size int64
	cdrs *importer.CDRs
	db   *importer.CDRDB // --cdr-db instead of a file
}

// load reads the file if it changed since the last read. Lines that do not parse are
// reported (once per read); their calls are then imported without a record, never guessed.
func (c *cdrFile) load(e env) error {
	if c.path == "" {
		return nil
	}
	st, err := os.Stat(c.path)
	if err != nil {
		return &usageError{msg: fmt.Sprintf("cannot read --cdr: %v", err), hint: "give the Master.csv of Asterisk's cdr_csv, usually /var/log/asterisk/cdr-csv/Master.csv"}
	}
	if c.cdrs != nil && st.ModTime().Equal(c.mod) && st.Size() == c.size {
		return nil
	}
	f, err := os.Open(c.path)
	if err != nil {
		return &usageError{msg: fmt.Sprintf("cannot read --cdr: %v", err), hint: "check the path and its permissions"}
	}
	defer f.Close()
	cdrs, errs := importer.ReadMasterCSV(f, c.loc)
	for _, err := range errs {
		fmt.Fprintf(e.stderr, "callvault: warning: %v (that line is skipped)\n", err)
	}
	c.cdrs, c.mod, c.size = cdrs, st.ModTime(), st.Size()
	return nil
}

// lookup returns the record of n's call; ok is false when a CDR was given but has no record
// for it yet (the call may still be going on: CDRs are written at hang-up).
func (c *cdrFile) lookup(ctx context.Context, e env, n importer.Name) (*importer.CDR, bool) {
	if c.db != nil && (c.cdrs == nil || c.cdrs.For(n.UniqueID, n.File) == nil) {
		c.fetch(ctx, e, []string{n.UniqueID}) // a call that ended since the last read
	}
	if c.cdrs == nil {
		return nil, c.db == nil
	}
	r := c.cdrs.For(n.UniqueID, n.File)
	return r, r != nil
}

// fetch reads the records of the calls ids from --cdr-db into the cache, reporting records
// that do not parse and a failed query (the calls then wait for a later run).
func (c *cdrFile) fetch(ctx context.Context, e env, ids []string) {
	cdrs, bad, err := c.db.Read(ctx, ids)
	for _, b := range bad {
		fmt.Fprintf(e.stderr, "callvault: warning: %v (that record is skipped)\n", b)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "callvault: warning: reading --cdr-db: %v\n", err)
	}
	if c.cdrs == nil {
		c.cdrs = cdrs
	} else {
		c.cdrs.Merge(cdrs)
	}
}

type freepbxImport struct {
	ir    *importRun
	spool string
	loc   *time.Location
	cdr   *cdrFile
}

// batch imports the spool once, with a progress bar.
func (fp *freepbxImport) batch(ctx context.Context, settle time.Duration) error {
	ir := fp.ir
	files, err := importer.ScanSpool(fp.spool, fp.loc)
	if err != nil {
		return &usageError{msg: fmt.Sprintf("cannot read --spool: %v", err), hint: "check the folder and its permissions"}
	}
	if fp.cdr.db != nil {
		var ids []string
		for _, f := range files {
			if f.Err == nil {
				ids = append(ids, f.Name.UniqueID)
			}
		}
		fp.cdr.fetch(ctx, ir.e, ids)
	}
	bar := newProgress(ir.e.stderr, len(files))
	for i, f := range files {
		if ctx.Err() != nil {
			bar.done()
			ir.summary()
			return ctx.Err()
		}
		bar.clear()
		if f.Err == nil {
			if ok, age, err := importer.Settled(f.Path, settle, time.Now()); err != nil || !ok {
				ir.report(f.Path, "waiting", fmt.Sprintf("%s: changed %s ago, still being written; it is imported by a later run", f.Path, age.Round(time.Millisecond)))
			} else {
				fp.one(ctx, f.Path, f.Name)
			}
		} else {
			ir.failed++
			ir.report(f.Path, "error", fmt.Sprintf("%v (not imported: a name that does not parse is never guessed at; import it with `callvault ingest FILE --meta META.json`)", f.Err))
		}
		bar.set(i + 1)
	}
	bar.done()
	return ir.summary()
}

// ready is the watcher's callback.
func (fp *freepbxImport) ready(ctx context.Context, path string) importer.Ready {
	n, err := importer.SpoolName(fp.spool, path, fp.loc)
	if err != nil {
		fp.ir.failed++
		fp.ir.report(path, "error", fmt.Sprintf("%v (not imported)", err))
		return importer.Taken
	}
	if err := fp.cdr.load(fp.ir.e); err != nil {
		fp.ir.report(path, "error", err.Error())
		return importer.Pending
	}
	if fp.one(ctx, path, n) {
		return importer.Taken
	}
	return importer.Pending
}

// one imports one parsed spool file; false means try again later.
func (fp *freepbxImport) one(ctx context.Context, path string, n importer.Name) bool {
	ir := fp.ir
	cdr, ok := fp.cdr.lookup(ctx, ir.e, n)
	if !ok {
		ir.report(path, "waiting", fmt.Sprintf("%s: the CDR has no record of call %s yet (it is written when the call ends); it is imported by a later run", path, n.UniqueID))
		return false
	}
	rec, err := ir.decode(importer.DescribeFreePBX(n, cdr))
	if err != nil {
		ir.failed++
		ir.report(path, "error", fmt.Sprintf("%s: %v", path, err))
		return true
	}
	return ir.store(ctx, path, rec, importer.LegacyFreePBXSourceID(n))
}
