package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audit"
)

const actionMigrate = "vault.migrate"

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
	fmt.Fprintf(e.stdout, "migrated %d recordings (%d already there), %d tombstones of deleted recordings, %d audit events, %d checkpoints; every hash verified\n",
		rep.copied, rep.present, rep.tombstones, rep.events, rep.checkpoints)
	for _, n := range rep.notes {
		fmt.Fprintf(e.stdout, "note: %s\n", n)
	}
	fmt.Fprintf(e.stdout, "next: copy %s to every node (or point --keys at it) and start them with --db and --blob; each node keeps its own witness file (--audit-witness)\n", srcCfg.KeysDir())
	return nil
}

type migrateReport struct {
	copied, present, tombstones, events, checkpoints int
	notes                                            []string // about the source's witness file
}

// migrate copies the record of the vault's keys, every live recording (catalogue row and
// encrypted blob, each hash verified), the tombstones of deleted recordings, the whole audit log
// and its checkpoints from src to the stores of dstCfg. It is idempotent, so an interrupted run
// is resumed by running it again. Before copying anything it checks that the target's audit log
// is a prefix of the source's (an empty or partly migrated target, not another vault). At the
// end it verifies the target as `audit verify` would (against the source's witness file),
// checks that both sides hold the same recordings and tombstones, and appends a vault.migrate
// event to both sides.
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
	srcImp, ok := src.Catalogue.(callvault.CatalogueImporter)
	if !ok {
		return rep, callvault.Errorf(callvault.KindInvalid, "the source catalogue cannot list tombstones")
	}
	dstBlobs, err := openBlobs(ctx, &dstCfg)
	if err != nil {
		return rep, err
	}
	if err := checkAuditPrefix(ctx, src.Catalogue, dstCat); err != nil {
		return rep, err
	}
	if err := migrateVaultKeys(ctx, src.Catalogue, dstCat, imp); err != nil {
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

	if rep.tombstones, err = migrateTombstones(ctx, srcImp, imp, dstCat); err != nil {
		return rep, err
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
	vaultID, err := audit.VaultID(ctx, src.Catalogue)
	if err != nil {
		return rep, err
	}
	witness, notes, err := readWitnesses(vaultID, src.Config.WitnessPath(), nil)
	if err != nil {
		return rep, err
	}
	rep.notes = notes
	vr, err := audit.Verify(ctx, dstCat, dstBlobs, pub, audit.VerifyOptions{Witness: witness})
	if err != nil {
		return rep, err
	}
	if !vr.OK() {
		return rep, callvault.Errorf(callvault.KindInternal, "the migrated vault does not verify: %s", vr.FirstProblem())
	}
	if err := sameIDs(ctx, "recording", liveIDs(src.Catalogue), liveIDs(dstCat)); err != nil {
		return rep, err
	}
	if err := sameIDs(ctx, "tombstone", tombstoneIDs(srcImp), tombstoneIDs(imp)); err != nil {
		return rep, err
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
	if _, err := io.CopyBuffer(io.MultiWriter(w, h), io.NewSectionReader(b, 0, b.Size()), make([]byte, migrateBuffer)); err != nil {
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

// migrateBuffer is how much of a blob one read asks for. Each ReadAt of an object store's blob
// is one ranged GET, so io.Copy's 32 KiB would make a 100 MiB recording 3,200 requests.
const migrateBuffer = 4 << 20

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
	if _, err := io.CopyBuffer(h, io.NewSectionReader(b, 0, b.Size()), make([]byte, migrateBuffer)); err != nil {
		return false, err
	}
	return hex.EncodeToString(h.Sum(nil)) == r.StoredSHA256, nil
}

// checkAuditPrefix returns KindConflict unless the target's audit log is empty or a prefix of
// the source's (what an interrupted migration leaves): the head events must agree.
func checkAuditPrefix(ctx context.Context, src, dst callvault.AuditStore) error {
	head, err := dst.AuditHead(ctx)
	if err != nil || head == nil {
		return err
	}
	same, err := src.AuditEvents(ctx, head.Seq-1, 1)
	if err != nil {
		return err
	}
	if len(same) != 1 || same[0].Hash != head.Hash {
		return callvault.Errorf(callvault.KindConflict, "the target's audit log (head %d) is not a copy of the source's: migrate into an empty catalogue", head.Seq)
	}
	return nil
}

// migrateAudit copies the events the target lacks, after checking that the chains agree on the
// target's head.
func migrateAudit(ctx context.Context, src, dst callvault.AuditStore, imp callvault.CatalogueImporter) (int, error) {
	if err := checkAuditPrefix(ctx, src, dst); err != nil {
		return 0, err
	}
	head, err := dst.AuditHead(ctx)
	if err != nil {
		return 0, err
	}
	after := int64(0)
	if head != nil {
		after = head.Seq
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

// migrateVaultKeys copies the record of the vault's keys, so that the target's nodes are held to
// the same keys. A target that records other keys is another vault's.
func migrateVaultKeys(ctx context.Context, src, dst callvault.Catalogue, imp callvault.CatalogueImporter) error {
	srcKeys, err := src.(callvault.KeyStore).VaultKeys(ctx)
	if err != nil {
		return err
	}
	dstKS, ok := dst.(callvault.KeyStore)
	if !ok {
		return callvault.Errorf(callvault.KindInvalid, "the target catalogue cannot record the vault's keys")
	}
	have, err := dstKS.VaultKeys(ctx)
	if err != nil {
		return err
	}
	for _, k := range srcKeys {
		switch got := recordedPublic(have, k.Kind, k.Epoch); {
		case got == k.Public:
		case got != "":
			return callvault.Errorf(callvault.KindConflict,
				"the target catalogue records another vault's %s key (sha256:%s, the source's is sha256:%s): migrate into an empty catalogue",
				k.Kind, fingerprint(got), fingerprint(k.Public))
		default:
			if err := imp.ImportVaultKey(ctx, k); err != nil {
				return err
			}
		}
	}
	return migrateEpochDestructions(ctx, src, dst)
}

// migrateEpochDestructions copies the record of destroyed key epochs (and of a retired vault
// key), so that the target's nodes keep refusing them.
func migrateEpochDestructions(ctx context.Context, src, dst callvault.Catalogue) error {
	srcES, ok1 := src.(callvault.EpochStore)
	dstES, ok2 := dst.(callvault.EpochStore)
	dstImp, ok3 := dst.(callvault.EpochImporter)
	if !ok1 || !ok2 || !ok3 {
		return callvault.Errorf(callvault.KindInvalid, "a catalogue of this migration cannot keep key epochs")
	}
	done, err := srcES.DestroyedEpochs(ctx)
	if err != nil {
		return err
	}
	have, err := dstES.DestroyedEpochs(ctx)
	if err != nil {
		return err
	}
	got := map[string]bool{}
	for _, d := range have {
		got[d.Epoch] = true
	}
	for _, d := range done {
		if got[d.Epoch] {
			continue
		}
		if err := dstImp.ImportEpochDestruction(ctx, d); err != nil {
			return err
		}
	}
	return nil
}

// migrateTombstones copies the tombstones of deleted recordings, so that the target keeps their
// source ids taken (a retried capture of a deleted call is refused there too) and the hashes
// their deletion receipts name. A tombstone whose recording the target still has live means the
// source deleted it after an earlier run copied it.
func migrateTombstones(ctx context.Context, src, dst callvault.CatalogueImporter, dstCat callvault.Catalogue) (int, error) {
	n := 0
	for after := ""; ; {
		page, err := src.Tombstones(ctx, after, 1000)
		if err != nil || len(page) == 0 {
			return n, err
		}
		for _, ts := range page {
			err := dst.ImportTombstone(ctx, ts)
			switch {
			case err == nil:
				n++
			case callvault.IsKind(err, callvault.KindConflict):
				if _, lerr := dstCat.Recording(ctx, ts.ID); lerr == nil {
					return n, callvault.Errorf(callvault.KindConflict,
						"recording %s was deleted in the source after an earlier run copied it; the target still has it: migrate into an empty catalogue", ts.ID)
				} else if !callvault.IsKind(lerr, callvault.KindNotFound) {
					return n, lerr
				}
			default:
				return n, fmt.Errorf("tombstone %s: %w", ts.ID, err)
			}
		}
		after = page[len(page)-1].ID
	}
}

// idLister returns the IDs after the given one, in order, a page at a time; none at the end.
type idLister func(ctx context.Context, after string) ([]string, error)

func liveIDs(s callvault.RecordingStore) idLister {
	return func(ctx context.Context, after string) ([]string, error) {
		rs, err := s.ListRecordings(ctx, after, callvault.MaxSearchLimit)
		out := make([]string, len(rs))
		for i, r := range rs {
			out[i] = r.ID
		}
		return out, err
	}
}

func tombstoneIDs(s callvault.CatalogueImporter) idLister {
	return func(ctx context.Context, after string) ([]string, error) {
		ts, err := s.Tombstones(ctx, after, callvault.MaxSearchLimit)
		out := make([]string, len(ts))
		for i, t := range ts {
			out[i] = t.ID
		}
		return out, err
	}
}

// sameIDs walks both listings side by side and returns KindInternal naming the first ID that
// only one side has: the last word on whether the migration copied everything, and nothing more.
func sameIDs(ctx context.Context, what string, src, dst idLister) error {
	next := func(l idLister) func() (string, error) {
		var page []string
		after, done := "", false
		return func() (string, error) {
			if len(page) == 0 && !done {
				var err error
				if page, err = l(ctx, after); err != nil {
					return "", err
				}
				if len(page) == 0 {
					done = true
				} else {
					after = page[len(page)-1]
				}
			}
			if len(page) == 0 {
				return "", nil
			}
			id := page[0]
			page = page[1:]
			return id, nil
		}
	}
	nextSrc, nextDst := next(src), next(dst)
	for {
		s, err := nextSrc()
		if err != nil {
			return err
		}
		d, err := nextDst()
		if err != nil {
			return err
		}
		switch {
		case s == "" && d == "":
			return nil
		case s == d:
			continue
		case d == "" || (s != "" && s < d):
			return callvault.Errorf(callvault.KindInternal, "after the migration the source has %s %s and the target does not", what, s)
		default:
			return callvault.Errorf(callvault.KindInternal, "after the migration the target has %s %s and the source does not: migrate into an empty catalogue", what, d)
		}
	}
}
