package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"

	"github.com/callvault/callvault"
)

var (
	_ callvault.EpochStore    = (*DB)(nil)
	_ callvault.EpochImporter = (*DB)(nil)
)

// ImportEpochDestruction records d as given, without an audit event (see
// callvault.EpochImporter).
func (db *DB) ImportEpochDestruction(ctx context.Context, d *callvault.EpochDestruction) error {
	if err := d.Validate(); err != nil {
		return prefixed(err, "sqlite: import key epoch destruction")
	}
	return db.write(ctx, "import key epoch destruction", func(tx *sql.Tx) error {
		return insertDestruction(ctx, tx, d)
	})
}

func insertDestruction(ctx context.Context, tx *sql.Tx, d *callvault.EpochDestruction) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO epoch_destructions (epoch, recipient, destroyed_at) VALUES (?, ?, ?)`,
		d.Epoch, d.Recipient, micros(d.DestroyedAt))
	if e := translate(err, "record key epoch destruction"); callvault.IsKind(e, callvault.KindConflict) {
		return callvault.WrapError(callvault.KindConflict, err, "sqlite: key epoch "+d.Epoch+" is destroyed already")
	}
	return err
}

// RewrapRecording replaces the header and key epoch of the live recording id, if its header is
// still from, and appends ev, in one transaction (see callvault.EpochStore).
func (db *DB) RewrapRecording(ctx context.Context, id string, from []byte, epoch string, header []byte, ev *callvault.AuditEvent) error {
	const what = "re-wrap recording"
	switch {
	case ev == nil:
		return callvault.Errorf(callvault.KindInvalid, "sqlite: %s: an audit event is required", what)
	case len(header) == 0:
		return callvault.Errorf(callvault.KindInvalid, "sqlite: %s: no new header given", what)
	case !callvault.ValidEpoch(epoch):
		return callvault.Errorf(callvault.KindInvalid, "sqlite: %s: %q is not a key epoch", what, epoch)
	}
	return db.appendWith(ctx, what, ev, func(tx *sql.Tx) error {
		if err := refuseDestroyed(ctx, tx, epoch); err != nil {
			return err
		}
		var cur []byte
		err := tx.QueryRowContext(ctx, `SELECT header FROM recordings WHERE id = ? AND deleted_at IS NULL`, id).Scan(&cur)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("no live recording with ID %q", id)
		}
		if err != nil {
			return err
		}
		if !bytes.Equal(cur, from) {
			return callvault.Errorf(callvault.KindConflict, "sqlite: %s: the header of recording %s changed meanwhile; read it again", what, id)
		}
		_, err = tx.ExecContext(ctx, `UPDATE recordings SET header = ?, key_epoch = ? WHERE id = ? AND deleted_at IS NULL`, header, epoch, id)
		return err
	})
}

// refuseDestroyed returns KindConflict if epoch's destruction is recorded.
func refuseDestroyed(ctx context.Context, tx *sql.Tx, epoch string) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM epoch_destructions WHERE epoch = ?`, epoch).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return callvault.Errorf(callvault.KindConflict, "sqlite: key epoch %s is destroyed: nothing can be sealed to it", epoch)
	}
	return nil
}

// DestroyEpoch records d and appends ev in one transaction, if no live recording is sealed to
// d.Epoch (see callvault.EpochStore).
func (db *DB) DestroyEpoch(ctx context.Context, d *callvault.EpochDestruction, ev *callvault.AuditEvent) error {
	if ev == nil {
		return callvault.Errorf(callvault.KindInvalid, "sqlite: destroy key epoch: an audit event is required")
	}
	if err := d.Validate(); err != nil {
		return prefixed(err, "sqlite: destroy key epoch")
	}
	return db.appendWith(ctx, "destroy key epoch", ev, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM recordings WHERE key_epoch = ? AND deleted_at IS NULL`, d.Epoch).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return callvault.Errorf(callvault.KindConflict, "sqlite: key epoch %s still seals %d live recordings", d.Epoch, n)
		}
		return insertDestruction(ctx, tx, d)
	})
}

// DestroyedEpochs returns every recorded destruction ordered by epoch.
func (db *DB) DestroyedEpochs(ctx context.Context) ([]*callvault.EpochDestruction, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT epoch, recipient, destroyed_at FROM epoch_destructions ORDER BY epoch`)
	if err != nil {
		return nil, translate(err, "read destroyed key epochs")
	}
	defer rows.Close()
	var out []*callvault.EpochDestruction
	for rows.Next() {
		var (
			d  callvault.EpochDestruction
			us int64
		)
		if err := rows.Scan(&d.Epoch, &d.Recipient, &us); err != nil {
			return nil, translate(err, "read destroyed key epochs")
		}
		d.DestroyedAt = fromMicros(us)
		out = append(out, &d)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, "read destroyed key epochs")
	}
	return out, nil
}

// SealedRecordings returns up to limit live recordings sealed to epoch with ID > afterID, by ID.
func (db *DB) SealedRecordings(ctx context.Context, epoch, afterID string, limit int) ([]*callvault.Recording, error) {
	return db.queryRecordings(ctx, "list recordings of a key epoch",
		`SELECT `+recordingColumns+` FROM recordings r
		WHERE r.key_epoch = ? AND r.id > ? AND r.deleted_at IS NULL ORDER BY r.key_epoch, r.id LIMIT ?`,
		epoch, afterID, callvault.PageLimit(limit))
}
