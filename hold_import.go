package callvault

import "context"

// HoldImporter is an optional capability of a catalogue: it stores a hold exactly as given,
// released or not, without an audit event, for migration between backends (whose audit log is
// copied verbatim), so that a recording held on the source is held on the target. The hold's
// recording must be there (live or a tombstone): KindNotFound otherwise. KindInvalid if h is
// invalid, KindConflict (writing nothing) if its ID exists.
type HoldImporter interface {
	ImportHold(ctx context.Context, h *Hold) error
}
