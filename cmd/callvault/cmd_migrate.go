package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audit"
	"github.com/callvault/callvault/internal/migration"
)

func runMigrate(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "migrate", "migrate --from DATA_DIR --to-db postgres://... --to-blob s3://... [flags]", false)
	from := fs.String("from", "", "data directory of the embedded installation to move (SQLite catalogue, local blobs)")
	fromKeys := fs.String("from-keys", "", "key directory of the installation to move (default <from>/keys); keys are never created there")
	fromWitness := fs.String("from-witness", "", "the audit witness file of the installation to move (default <from-keys>/"+audit.WitnessFile+
		"); the target is verified against it")
	toDB := fs.String("to-db", "", "target catalogue: postgres://...")
	toBlob := fs.String("to-blob", "", "target blob store: s3://bucket/prefix?endpoint=...")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *from == "" || *toDB == "" || *toBlob == "" {
		return &usageError{msg: "migrate needs --from, --to-db and --to-blob", hint: "callvault migrate --from ./callvault-data --to-db postgres://callvault@db/callvault --to-blob 's3://recordings/clinic?endpoint=https://s3.example'"}
	}
	srcCfg := DefaultConfig()
	srcCfg.Data, srcCfg.Keys, srcCfg.AuditWitness = *from, *fromKeys, *fromWitness
	dstCfg := DefaultConfig()
	dstCfg.DB, dstCfg.Blob = *toDB, *toBlob
	for _, c := range []*Config{&srcCfg, &dstCfg} {
		if err := c.Validate(); err != nil {
			return err
		}
	}
	if _, err := os.Stat(filepath.Join(srcCfg.Data, "catalogue.db")); err != nil {
		return &usageError{msg: fmt.Sprintf("%s is not a callvault data directory: %v", srcCfg.Data, err), hint: "give the data directory of the embedded installation with --from"}
	}
	if *fromWitness != "" {
		// Checked before the source's checkpointer, which appends to it, would create it.
		if _, err := os.Stat(*fromWitness); err != nil {
			return &usageError{msg: fmt.Sprintf("cannot read the source's audit witness file: %v", err), hint: "give the --audit-witness file the installation was run with"}
		}
	}
	// Nothing may change in the source while it is copied: no server, no ingest (both hold the
	// lock shared), and none starts until the migration ends.
	lock, err := lockIngestExclusive(srcCfg.Data)
	if err != nil {
		return err
	}
	defer lock.Close()
	src := NewMain(srcCfg, e.stdout, e.stderr)
	src.NoKeyCreation = true
	if err := src.Open(ctx); err != nil {
		src.Close()
		return err
	}
	defer src.Close()
	bar := newProgress(e.stderr, 0)
	rep, err := migrate(ctx, src, dstCfg, cliActor(e), func(done, total int) { bar.total = total; bar.set(done) })
	bar.done()
	if err != nil {
		return fmt.Errorf("migration interrupted (run the same command again to resume): %w", err)
	}
	fmt.Fprintf(e.stdout, "migrated %d recordings (%d already there), %d tombstones of deleted recordings, %d users, access requests and delegations, %d cases, %d legal holds, %d import jobs, %d versions of the recording notice, %d audit events, %d checkpoints; every hash verified\n",
		rep.Copied, rep.Present, rep.Tombstones, rep.People, rep.Cases, rep.Holds, rep.ImportJobs, rep.Notices, rep.Events, rep.Checkpoints)
	for _, n := range rep.Notes {
		fmt.Fprintf(e.stdout, "note: %s\n", n)
	}
	fmt.Fprintf(e.stdout, "next: copy %s to every node (or point --keys at it) and start them with --db and --blob; each node keeps its own witness file (--audit-witness)\n", srcCfg.KeysDir())
	return nil
}

// migrate moves the vault src has open to the stores of dstCfg (see migration.Run): the
// wiring of the source's keys, checkpointer and witness file, and of the target's stores.
func migrate(ctx context.Context, src *Main, dstCfg Config, actor callvault.Actor, progress func(done, total int)) (migration.Report, error) {
	dstCat, err := openCatalogue(ctx, &dstCfg)
	if err != nil {
		return migration.Report{}, err
	}
	defer dstCat.Close()
	dstBlobs, err := openBlobs(ctx, &dstCfg)
	if err != nil {
		return migration.Report{}, err
	}
	from := migration.Source{
		Catalogue: src.Catalogue,
		Blobs:     src.Blobs,
		VerifyKey: src.Keys.VerifyKey(),
		Witness: func(vaultID string) ([]*callvault.Checkpoint, []string, error) {
			return readWitnesses(vaultID, src.Config.WitnessPath(), nil)
		},
	}
	if src.Checkpointer != nil {
		from.Checkpoint = src.Checkpointer.Checkpoint
	}
	to := migration.Target{Catalogue: dstCat, Blobs: dstBlobs,
		Describe: map[string]any{"to_db": redactURL(dstCfg.DB), "to_blob": redactURL(dstCfg.Blob)}}
	return migration.Run(ctx, from, to, actor, progress)
}
