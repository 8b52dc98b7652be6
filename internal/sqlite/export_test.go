package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/callvault/callvault"
)

// TombstoneDB is a DB that can also read the rows of deleted recordings, for the conformance
// suite's storetest.TombstoneReader check.
type TombstoneDB struct{ *DB }

// Tombstone returns the header, sidecar and call details stored for the deleted recording id.
func (db TombstoneDB) Tombstone(ctx context.Context, id string) (header, sidecar []byte, details string, err error) {
	err = db.r.QueryRowContext(ctx, `SELECT header, sidecar,
		extensions || external_numbers || parties || line || attributes FROM recordings
		WHERE id = ? AND deleted_at IS NOT NULL`, id).Scan(&header, &sidecar, &details)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, "", callvault.Errorf(callvault.KindNotFound, "sqlite: no deleted recording with ID %q", id)
	}
	return header, sidecar, details, err
}
