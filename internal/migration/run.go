package migration

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audit"
)

// Action is the audit action of a migration, appended to both sides' logs.
const Action = "vault.migrate"

// Source is the vault being moved. Nothing may change in it while it is copied: the caller
// holds it exclusively.
type Source struct {
	Catalogue callvault.Catalogue
	Blobs     callvault.BlobStore
	// VerifyKey is the ed25519 key the audit checkpoints are signed with.
	VerifyKey ed25519.PublicKey
	// Checkpoint, if set, signs a checkpoint of the source's log; it is called after the
	// migration's own event is appended, so the copied log ends in a checkpoint.
	Checkpoint func(ctx context.Context) error
	// Witness returns the checkpoints of the source's witness file (and notes for the operator,
	// e.g. that there is none); called after Checkpoint. Nil: no witness.
	Witness func(vaultID string) ([]*callvault.Checkpoint, []string, error)
}

// Target is where the vault goes: open, empty or partly migrated stores.
type Target struct {
	Catalogue callvault.Catalogue
	Blobs     callvault.BlobStore
	// Describe is what the migration's audit event says of the target (URLs without secrets).
	Describe map[string]any
}

// Report is what a run did.
type Report struct {
	Copied, Present  int // recordings copied, and found already there (an earlier run)
	Tombstones       int
	People           int // users, access requests and delegations
	ImportJobs       int // provider fetches, finished or pending
	Cases            int // the DPO's cases
	Holds            int // legal holds, released or not
	Notices          int // versions of the recording notice
	RetentionPeriods int // versions of the retention period set in the browser
	Events           int // audit events copied
	Checkpoints      int
	Notes            []string // about the source's witness file
}

// Run copies the record of the vault's keys, every live recording (catalogue row and
// encrypted blob, each hash verified), the tombstones of deleted recordings, users, requests
// and delegations, import jobs (pending provider fetches too), the DPO's cases, legal holds and the recording notice's versions, the whole audit log and its checkpoints from src to dst. It is idempotent,
// so an interrupted run is resumed by running it again. Before copying anything it checks that
// the target's audit log is a prefix of the source's (an empty or partly migrated target, not
// another vault): KindConflict otherwise. At the end it verifies the target as `audit verify`
// would (against the source's witness), checks that both sides hold the same recordings and
// tombstones (KindInternal naming the first difference), and appends an Action event by actor
// to both sides. progress is told how many recordings are done of how many.
func Run(ctx context.Context, src Source, dst Target, actor callvault.Actor, progress func(done, total int)) (Report, error) {
	var rep Report
	dstCat := dst.Catalogue
	imp, ok := dstCat.(callvault.CatalogueImporter)
	if !ok {
		return rep, callvault.Errorf(callvault.KindInvalid, "the target catalogue cannot import")
	}
	srcImp, ok := src.Catalogue.(callvault.CatalogueImporter)
	if !ok {
		return rep, callvault.Errorf(callvault.KindInvalid, "the source catalogue cannot list tombstones")
	}
	if progress == nil {
		progress = func(int, int) {}
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
			copied, err := migrateRecording(ctx, src, dstCat, imp, dst.Blobs, r)
			if err != nil {
				return rep, fmt.Errorf("recording %s: %w", r.ID, err)
			}
			if copied {
				rep.Copied++
			} else {
				rep.Present++
			}
			done++
			progress(done, total)
		}
		after = page[len(page)-1].ID
	}

	var err error
	if rep.Tombstones, err = migrateTombstones(ctx, srcImp, imp, dstCat); err != nil {
		return rep, err
	}
	if rep.People, err = migratePeople(ctx, src.Catalogue, dstCat); err != nil {
		return rep, err
	}
	if rep.ImportJobs, err = migrateImportJobs(ctx, src.Catalogue, dstCat); err != nil {
		return rep, err
	}
	if rep.Cases, err = migrateCases(ctx, src.Catalogue, dstCat); err != nil {
		return rep, err
	}
	if rep.Holds, err = migrateHolds(ctx, src.Catalogue, dstCat); err != nil {
		return rep, err
	}
	if rep.Notices, err = migrateNotices(ctx, src.Catalogue, dstCat); err != nil {
		return rep, err
	}
	if rep.RetentionPeriods, err = migrateRetentionSettings(ctx, src.Catalogue, dstCat); err != nil {
		return rep, err
	}

	// The audit log is copied verbatim, so the target's chain is the source's. The migration's
	// own event goes into the source's log and is copied with the rest: both logs end alike.
	detail := map[string]any{"recordings": done, "copied": rep.Copied}
	for k, v := range dst.Describe {
		detail[k] = v
	}
	ev := &callvault.AuditEvent{Time: time.Now(), Actor: string(actor), Action: Action, Object: "vault", Detail: callvault.AuditDetail(detail)}
	if err := src.Catalogue.AppendAudit(ctx, ev); err != nil {
		return rep, err
	}
	if src.Checkpoint != nil {
		if err := src.Checkpoint(ctx); err != nil {
			return rep, err
		}
	}
	if rep.Events, err = migrateAudit(ctx, src.Catalogue, dstCat, imp); err != nil {
		return rep, err
	}
	if rep.Checkpoints, err = migrateCheckpoints(ctx, src.Catalogue, dstCat); err != nil {
		return rep, err
	}
	// The log moved verbatim, so the source's witness file vouches for the target's log too.
	var witness []*callvault.Checkpoint
	if src.Witness != nil {
		vaultID, err := audit.VaultID(ctx, src.Catalogue)
		if err != nil {
			return rep, err
		}
		if witness, rep.Notes, err = src.Witness(vaultID); err != nil {
			return rep, err
		}
	}
	vr, err := audit.Verify(ctx, dstCat, dst.Blobs, src.VerifyKey, audit.VerifyOptions{Witness: witness})
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
