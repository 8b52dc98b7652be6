package sqlite

import (
	"context"
	"database/sql"

	"github.com/callvault/callvault"
)

var _ callvault.PeopleImporter = (*DB)(nil)

// ImportUser stores u as given; KindConflict if its ID or name exists.
func (db *DB) ImportUser(ctx context.Context, u *callvault.User) error {
	if err := u.Validate(); err != nil {
		return prefixed(err, "import user")
	}
	return db.write(ctx, "import user", func(tx *sql.Tx) error { return insertUser(ctx, tx, u) })
}

// ImportAccessRequest stores r and, if not nil, its grant as given; KindConflict if r exists.
func (db *DB) ImportAccessRequest(ctx context.Context, r *callvault.AccessRequest, g *callvault.Grant) error {
	if r == nil || !callvault.ValidID(r.ID) || !r.Purpose.Valid() {
		return callvault.Errorf(callvault.KindInvalid, "sqlite: import access request: a request with an ID and purpose is required")
	}
	return db.write(ctx, "import access request", func(tx *sql.Tx) error {
		if err := insertRequest(ctx, tx, r); err != nil {
			return err
		}
		if g == nil {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO grants (id, request_id, user_id, download, created_at, expires_at, revoked_at, revoked_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, g.ID, g.RequestID, g.UserID, g.Download, micros(g.CreatedAt), micros(g.ExpiresAt),
			optMicros(g.RevokedAt), g.RevokedBy); err != nil {
			return err
		}
		for _, id := range g.RecordingIDs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO grant_recordings (grant_id, recording_id) VALUES (?, ?)`, g.ID, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// ImportDelegation stores d as given; KindConflict if it exists.
func (db *DB) ImportDelegation(ctx context.Context, d *callvault.Delegation) error {
	if d == nil || !callvault.ValidID(d.ID) {
		return callvault.Errorf(callvault.KindInvalid, "sqlite: import delegation: a delegation with an ID is required")
	}
	return db.write(ctx, "import delegation", func(tx *sql.Tx) error { return insertDelegation(ctx, tx, d) })
}
