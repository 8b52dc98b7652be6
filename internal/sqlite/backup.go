package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"os"

	"github.com/callvault/callvault"
)

var _ callvault.CatalogueBackuper = (*DB)(nil)

// BackupTo writes a consistent copy of the database to path with VACUUM INTO: one read
// transaction, so the copy is the catalogue as of one commit, while writers go on. The copy is
// rebuilt page by page, so it holds no free pages and no write-ahead log: nothing a deletion
// destroyed comes back with it. KindConflict if path exists.
func (db *DB) BackupTo(ctx context.Context, path string) error {
	if _, err := os.Lstat(path); err == nil {
		return callvault.Errorf(callvault.KindConflict, "sqlite: backup: %s exists; choose a new file", path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return callvault.WrapError(callvault.KindUnavailable, err, "sqlite: backup: cannot check the target file")
	}
	// A connection of its own: the read pool is query_only (which VACUUM INTO refuses), and the
	// write connection must stay free for writers while the copy runs.
	conn, err := sql.Open("sqlite", dsn(db.path, false))
	if err != nil {
		return callvault.WrapError(callvault.KindInternal, err, "sqlite: backup: open the database")
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return translate(err, "backup")
	}
	return os.Chmod(path, 0o600)
}
