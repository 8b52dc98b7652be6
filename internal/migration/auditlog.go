package migration

import (
	"context"
	"fmt"

	"github.com/callvault/callvault"
)

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
