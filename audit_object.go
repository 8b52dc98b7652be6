package callvault

import "context"

// MaxAuditObjects bounds the objects of one AuditObjectStore.AuditEventsOf call; callers with
// more ask in batches.
const MaxAuditObjects = 500

// AuditObjectStore reads the audit events of given objects through an index, without scanning
// the whole log: the chain of custody of a case (its own events and those of its recordings)
// in a disclosure bundle. Every catalogue backend implements it; it is apart from AuditStore
// because only the case desk uses it.
type AuditObjectStore interface {
	// AuditEventsOf returns up to limit (see PageLimit) events whose Object is one of objects,
	// with Seq > afterSeq, in Seq order, exactly as stored. KindInvalid for no objects or more
	// than MaxAuditObjects.
	AuditEventsOf(ctx context.Context, objects []string, afterSeq int64, limit int) ([]*AuditEvent, error)
}

// CheckAuditObjects returns the KindInvalid error AuditEventsOf returns for a bad set of objects.
func CheckAuditObjects(objects []string) error {
	if len(objects) == 0 || len(objects) > MaxAuditObjects {
		return Errorf(KindInvalid, "audit events of objects: give 1 to %d objects, not %d", MaxAuditObjects, len(objects))
	}
	return nil
}
