package archive

import (
	"context"
	"errors"
	"time"

	"github.com/callvault/callvault"
)

// orphanLeaseEvery is how many blobs CleanOrphans examines between calls to its keep function.
const orphanLeaseEvery = 200

// errLeaseLost stops the blob listing when keep reports the lease lost.
var errLeaseLost = errors.New("archive: job lease lost")

// CleanOrphans removes recording blobs that have no catalogue row and were last modified more
// than grace ago: what a crash between committing the blob and committing the row leaves
// behind. Each removal is audited before the blob goes. It streams through the listing (memory
// does not grow with the store) and, when keep is not nil, calls it every few hundred blobs and
// stops early (without error) once it returns false: the caller's job lease went to another node.
// It returns the keys removed.
func (s *Service) CleanOrphans(ctx context.Context, grace time.Duration, keep func(context.Context) (bool, error)) ([]string, error) {
	cutoff := s.now().Add(-grace)
	var removed []string
	seen := 0
	err := s.Blobs.List(ctx, BlobPrefix, func(b callvault.BlobInfo) error {
		if keep != nil && seen > 0 && seen%orphanLeaseEvery == 0 {
			ok, err := keep(ctx)
			if err != nil {
				return err
			}
			if !ok {
				return errLeaseLost
			}
		}
		seen++
		if grace > 0 && !b.ModTime.Before(cutoff) {
			return nil // possibly an ingest in progress elsewhere
		}
		if id := IDFromBlobKey(b.Key); id != "" {
			r, err := s.Catalogue.Recording(ctx, id)
			if err == nil && r.BlobKey == b.Key {
				return nil
			}
			if err != nil && !callvault.IsKind(err, callvault.KindNotFound) {
				return err
			}
		}
		// Audit first: if the event cannot be written, the blob stays for the next attempt.
		ev := &callvault.AuditEvent{
			Time:   s.now(),
			Actor:  string(callvault.ActorSystem),
			Action: callvault.ActionOrphanBlobDelete,
			Object: "blob:" + b.Key,
			Detail: callvault.AuditDetail(map[string]any{"size": b.Size, "mod_time": b.ModTime.UTC().Format(time.RFC3339Nano), "reason": "no catalogue row (interrupted ingest)"}),
		}
		if err := s.Catalogue.AppendAudit(ctx, ev); err != nil {
			return err
		}
		if err := s.Blobs.Delete(ctx, b.Key); err != nil {
			return err
		}
		removed = append(removed, b.Key)
		return nil
	})
	if errors.Is(err, errLeaseLost) {
		err = nil
	}
	if len(removed) > 0 {
		s.afterAudit(ctx)
	}
	return removed, err
}
