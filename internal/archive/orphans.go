package archive

import (
	"context"
	"time"

	"github.com/callvault/callvault"
)

// CleanOrphans removes recording blobs that have no catalogue row and were last modified more
// than grace ago: what a crash between committing the blob and committing the row leaves
// behind. Each removal is audited. It returns the keys removed.
func (s *Service) CleanOrphans(ctx context.Context, grace time.Duration) ([]string, error) {
	cutoff := s.now().Add(-grace)
	var candidates []callvault.BlobInfo
	err := s.Blobs.List(ctx, BlobPrefix, func(b callvault.BlobInfo) error {
		if grace == 0 || b.ModTime.Before(cutoff) {
			candidates = append(candidates, b)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, b := range candidates {
		id := IDFromBlobKey(b.Key)
		if id != "" {
			r, err := s.Catalogue.Recording(ctx, id)
			if err == nil && r.BlobKey == b.Key {
				continue
			}
			if err != nil && !callvault.IsKind(err, callvault.KindNotFound) {
				return removed, err
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
			return removed, err
		}
		if err := s.Blobs.Delete(ctx, b.Key); err != nil {
			return removed, err
		}
		removed = append(removed, b.Key)
	}
	if len(removed) > 0 {
		s.afterAudit(ctx)
	}
	return removed, nil
}
