package callvault

import "context"

// Audit actions of backups.
const (
	ActionCatalogueBackup  = "catalogue.backup"  // a data backup was taken (appended before the copy, so the copy holds it)
	ActionCatalogueRestore = "catalogue.restore" // a catalogue was restored from a backup
)

// CatalogueBackuper is an optional capability of a Catalogue whose database can copy itself
// consistently while it serves (SQLite's VACUUM INTO). BackupTo writes a self-contained copy to
// path, which must not exist; KindConflict if it does. PostgreSQL does not implement it: its
// catalogue is backed up with pg_dump or point-in-time recovery (see the README).
type CatalogueBackuper interface {
	BackupTo(ctx context.Context, path string) error
}
