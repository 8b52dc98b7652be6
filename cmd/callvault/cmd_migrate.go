package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audit"
)

const actionMigrate = "vault.migrate"

func runMigrate(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "migrate", "migrate --from DATA_DIR --to-db postgres://... --to-blob s3://... [flags]", false)
	from := fs.String("from", "", "data directory of the embedded installation to move (SQLite catalogue, local blobs, keys)")
	toDB := fs.String("to-db", "", "target catalogue: postgres://...")
	toBlob := fs.String("to-blob", "", "target blob store: s3://bucket/prefix?endpoint=...")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *from == "" || *toDB == "" || *toBlob == "" {
		return &usageError{msg: "migrate needs --from, --to-db and --to-blob", hint: "callvault migrate --from ./callvault-data --to-db postgres://callvault@db/callvault --to-blob 's3://recordings/clinic?endpoint=https://s3.example'"}
	}
	srcCfg := DefaultConfig()
	srcCfg.Data = *from
	dstCfg := DefaultConfig()
	dstCfg.DB, dstCfg.Blob = *toDB, *toBlob
	for _, c := range []*Config{&srcCfg, &dstCfg} {
		if err := c.Validate(); err != nil {
			return err
		}
	}
	src := NewMain(srcCfg, e.stdout, e.stderr)
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
	fmt.Fprintf(e.stdout, "migrated %d recordings (%d already there), %d audit events, %d checkpoints; every hash verified\n",
		rep.copied, rep.present, rep.events, rep.checkpoints)
	fmt.Fprintf(e.stdout, "next: copy %s to every node (or point --keys at it) and start them with --db and --blob\n", srcCfg.KeysDir())
	return nil
}

type migrateReport struct {
	copied, present, events, checkpoints int
}

// migrate copies every live recording (catalogue row and encrypted blob, each hash verified),
// the whole audit log and its checkpoints from src to the stores of dstCfg. It is idempotent, so
// an interrupted run is resumed by running it again. At the end it verifies the target as
// `audit verify` would and appends a vault.migrate event to both sides.
func migrate(ctx context.Context, src *Main, dstCfg Config, actor callvault.Actor, progress func(done, total int)) (migrateReport, error) {
	var rep migrateReport
	dstCat, err := openCatalogue(ctx, &dstCfg)
	if err != nil {
		return rep, err
	}
	defer dstCat.Close()
	imp, ok := dstCat.(callvault.CatalogueImporter)
	if !ok {
		return rep, callvault.Errorf(callvault.KindInvalid, "the target catalogue cannot import")
	}
	dstBlobs, err := openBlobs(ctx, &dstCfg)
	if err != nil {
		return rep, err
	}

	// Count first, for the progress bar.
	total := 0
	for after := ""; ; {
		page, err := src.Catalogue.ListRecordings(ctx, after, 1000)
		if err != nil {
			return rep, err
		}
		if len(page) == 0 {
			break
		}
		total += len(page)
		after = page[len(page)-1].ID
	}
	done := 0
	for after := ""; ; {
		page, err := src.Catalogue.ListRecordings(ctx, after, 200)
		if err != nil {
			return rep, err
		}
		if len(page) == 0 {
			break
		}
		for _, r := range page {
			if err := ctx.Err(); err != nil {
				return rep, err
			}
			copied, err := migrateRecording(ctx, src, dstCat, imp, dstBlobs, r)
			if err != nil {
				return rep, fmt.Errorf("recording %s: %w", r.ID, err)
			}
			if copied {
				rep.copied++
			} else {
				rep.present++
			}
			done++
			progress(done, total)
		}
		after = page[len(page)-1].ID
	}

	// The audit log is copied verbatim, so the target's chain is the source's. The migration's
	// own event goes into the source's log and is copied with the rest: both logs end alike.
	pub := src.Keys.VerifyKey()
	detail := callvault.AuditDetail(map[string]any{"to_db": redactURL(dstCfg.DB), "to_blob": redactURL(dstCfg.Blob),
		"recordings": done, "copied": rep.copied})
	ev := &callvault.AuditEvent{Time: time.Now(), Actor: string(actor), Action: actionMigrate, Object: "vault", Detail: detail}
	if err := src.Catalogue.AppendAudit(ctx, ev); err != nil {
		return rep, err
	}
	if src.Checkpointer != nil {
		if err := src.Checkpointer.Checkpoint(ctx); err != nil {
			return rep, err
		}
	}
	if rep.events, err = migrateAudit(ctx, src.Catalogue, dstCat, imp); err != nil {
		return rep, err
	}
	if rep.checkpoints, err = migrateCheckpoints(ctx, src.Catalogue, dstCat); err != nil {
		return rep, err
	}
	// The log moved verbatim, so the source's witness file vouches for the target's log too.
	var witness []*callvault.Checkpoint
	if w, err := audit.ReadWitness(src.Config.WitnessPath()); err == nil {
		witness = w.Checkpoints
	} else if !callvault.IsKind(err, callvault.KindNotFound) {
		return rep, err
	}
	vr, err := audit.Verify(ctx, dstCat, dstBlobs, pub, audit.VerifyOptions{Witness: witness})
	if err != nil {
		return rep, err
	}
	if !vr.OK() {
		return rep, callvault.Errorf(callvault.KindInternal, "the migrated vault does not verify: %s", vr.FirstProblem())
	}
	return rep, nil
}

// migrateRecording copies one recording; it reports false if the target already had it.
func migrateRecording(ctx context.Context, src *Main, dstCat callvault.Catalogue, imp callvault.CatalogueImporter, dstBlobs callvault.BlobStore, r *callvault.Recording) (bool, error) {
	if _, err := dstCat.Recording(ctx, r.ID); err == nil {
		return false, nil
	} else if !callvault.IsKind(err, callvault.KindNotFound) {
		return false, err
	}
	if err := copyBlob(ctx, src.Blobs, dstBlobs, r); err != nil {
		return false, err
	}
	if err := imp.ImportRecording(ctx, r); err != nil && !callvault.IsKind(err, callvault.KindConflict) {
		return false, err
	}
	return true, nil
}

// copyBlob copies r's blob and checks its SHA-256 against the catalogue. A blob left by an
// interrupted run is kept if its hash is right and replaced otherwise.
func copyBlob(ctx context.Context, from, to callvault.BlobStore, r *callvault.Recording) error {
	if ok, err := blobMatches(ctx, to, r); err != nil || ok {
		return err
	}
	if err := to.Delete(ctx, r.BlobKey); err != nil {
		return err
	}
	b, err := from.Open(ctx, r.BlobKey)
	if err != nil {
		return err
	}
	defer b.Close()
	w, err := to.Create(ctx, r.BlobKey)
	if err != nil {
		return err
	}
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(w, h), io.NewSectionReader(b, 0, b.Size())); err != nil {
		w.Abort()
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != r.StoredSHA256 {
		w.Abort()
		return callvault.Errorf(callvault.KindInternal, "source blob %s has SHA-256 %s, the catalogue says %s: run `callvault audit verify` on the source", r.BlobKey, got, r.StoredSHA256)
	}
	if err := w.Commit(); err != nil {
		return err
	}
	if ok, err := blobMatches(ctx, to, r); err != nil || !ok {
		return callvault.Errorf(callvault.KindInternal, "blob %s does not read back intact from the target (%v)", r.BlobKey, err)
	}
	return nil
}

// blobMatches reports whether store holds r's blob with the right size and SHA-256.
func blobMatches(ctx context.Context, store callvault.BlobStore, r *callvault.Recording) (bool, error) {
	b, err := store.Open(ctx, r.BlobKey)
	if callvault.IsKind(err, callvault.KindNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer b.Close()
	if b.Size() != r.StoredSize {
		return false, nil
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(b, 0, b.Size())); err != nil {
		return false, err
	}
	return hex.EncodeToString(h.Sum(nil)) == r.StoredSHA256, nil
}

// migrateAudit copies the events the target lacks, after checking that the chains agree on the
// target's head.
func migrateAudit(ctx context.Context, src, dst callvault.AuditStore, imp callvault.CatalogueImporter) (int, error) {
	head, err := dst.AuditHead(ctx)
	if err != nil {
		return 0, err
	}
	after := int64(0)
	if head != nil {
		after = head.Seq
		same, err := src.AuditEvents(ctx, head.Seq-1, 1)
		if err != nil {
			return 0, err
		}
		if len(same) != 1 || same[0].Hash != head.Hash {
			return 0, callvault.Errorf(callvault.KindConflict, "the target's audit log (head %d) is not a copy of the source's: migrate into an empty catalogue", head.Seq)
		}
	}
	n := 0
	for {
		evs, err := src.AuditEvents(ctx, after, 1000)
		if err != nil {
			return n, err
		}
		if len(evs) == 0 {
			return n, nil
		}
		for _, ev := range evs {
			if err := imp.ImportAuditEvent(ctx, ev); err != nil {
				return n, fmt.Errorf("audit event %d: %w", ev.Seq, err)
			}
			n++
			after = ev.Seq
		}
	}
}

func migrateCheckpoints(ctx context.Context, src, dst callvault.AuditStore) (int, error) {
	have, err := dst.Checkpoints(ctx)
	if err != nil {
		return 0, err
	}
	last := int64(0)
	if len(have) > 0 {
		last = have[len(have)-1].Seq
	}
	cps, err := src.Checkpoints(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range cps {
		if c.Seq <= last {
			continue
		}
		if err := dst.AddCheckpoint(ctx, c); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
