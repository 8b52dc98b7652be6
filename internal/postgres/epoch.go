package postgres

import (
	"bytes"
	"context"
	"errors"

	"github.com/callvault/callvault"
	"github.com/jackc/pgx/v5"
)

var (
	_ callvault.EpochStore    = (*DB)(nil)
	_ callvault.EpochImporter = (*DB)(nil)
)

// ImportEpochDestruction records d as given, without an audit event (see
// callvault.EpochImporter).
func (db *DB) ImportEpochDestruction(ctx context.Context, d *callvault.EpochDestruction) error {
	const what = "postgres: import key epoch destruction"
	if err := d.Validate(); err != nil {
		return prefixed(err, what)
	}
	return db.inTx(ctx, what, func(tx pgx.Tx) error {
		return insertDestruction(ctx, tx, d, what)
	})
}

func insertDestruction(ctx context.Context, tx pgx.Tx, d *callvault.EpochDestruction, what string) error {
	tag, err := tx.Exec(ctx, `INSERT INTO epoch_destructions (epoch, recipient, destroyed_at) VALUES ($1, $2, $3)
		ON CONFLICT (epoch) DO NOTHING`, d.Epoch, d.Recipient, d.DestroyedAt)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return callvault.Errorf(callvault.KindConflict, "%s: key epoch %s is destroyed already", what, d.Epoch)
	}
	return nil
}

// Every EpochStore change, and CreateRecording, checks the epochs it depends on only after
// appendAudit has taken the audit lock: the sections serialise, and under read committed each
// check reads what the section before it committed, so no recording is created in, or re-wrapped
// into, an epoch whose destruction another node commits at the same moment.

// RewrapRecording replaces the header and key epoch of the live recording id, if its header is
// still from, and appends ev, atomically (see callvault.EpochStore).
func (db *DB) RewrapRecording(ctx context.Context, id string, from []byte, epoch string, header []byte, ev *callvault.AuditEvent) error {
	what := "postgres: re-wrap recording " + safeID(id)
	if err := checkEvent(ev, what); err != nil {
		return err
	}
	switch {
	case len(header) == 0:
		return callvault.Errorf(callvault.KindInvalid, "%s: no new header given", what)
	case !callvault.ValidEpoch(epoch):
		return callvault.Errorf(callvault.KindInvalid, "%s: %q is not a key epoch", what, epoch)
	}
	var sealed *callvault.AuditEvent
	err := db.inTx(ctx, what, func(tx pgx.Tx) error {
		var err error
		if sealed, err = db.appendAudit(ctx, tx, ev); err != nil {
			return err
		}
		if err := refuseDestroyed(ctx, tx, epoch, what); err != nil {
			return err
		}
		var cur []byte
		err = tx.QueryRow(ctx, `SELECT header FROM recordings WHERE id = $1 AND deleted_at IS NULL FOR UPDATE`, id).Scan(&cur)
		if errors.Is(err, pgx.ErrNoRows) {
			return callvault.Errorf(callvault.KindNotFound, "%s: no live recording with that ID", what)
		}
		if err != nil {
			return err
		}
		if !bytes.Equal(cur, from) {
			return callvault.Errorf(callvault.KindConflict, "%s: its header changed meanwhile; read it again", what)
		}
		_, err = tx.Exec(ctx, `UPDATE recordings SET header = $1, key_epoch = $2 WHERE id = $3`, header, epoch, id)
		return err
	})
	if err != nil {
		return err
	}
	*ev = *sealed
	return nil
}

// refuseDestroyed returns KindConflict if epoch's destruction is recorded.
func refuseDestroyed(ctx context.Context, tx pgx.Tx, epoch, what string) error {
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM epoch_destructions WHERE epoch = $1`, epoch).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return callvault.Errorf(callvault.KindConflict, "%s: key epoch %s is destroyed: nothing can be sealed to it", what, epoch)
	}
	return nil
}

// DestroyEpoch records d and appends ev, atomically, if no live recording is sealed to d.Epoch
// (see callvault.EpochStore).
func (db *DB) DestroyEpoch(ctx context.Context, d *callvault.EpochDestruction, ev *callvault.AuditEvent) error {
	const what = "postgres: destroy key epoch"
	if err := checkEvent(ev, what); err != nil {
		return err
	}
	if err := d.Validate(); err != nil {
		return prefixed(err, what)
	}
	var sealed *callvault.AuditEvent
	err := db.inTx(ctx, what, func(tx pgx.Tx) error {
		var err error
		if sealed, err = db.appendAudit(ctx, tx, ev); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM recordings WHERE key_epoch = $1 AND deleted_at IS NULL`, d.Epoch).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return callvault.Errorf(callvault.KindConflict, "%s: key epoch %s still seals %d live recordings", what, d.Epoch, n)
		}
		return insertDestruction(ctx, tx, d, what)
	})
	if err != nil {
		return err
	}
	*ev = *sealed
	return nil
}

// DestroyedEpochs returns every recorded destruction ordered by epoch.
func (db *DB) DestroyedEpochs(ctx context.Context) ([]*callvault.EpochDestruction, error) {
	const what = "postgres: read destroyed key epochs"
	rows, err := db.pool.Query(ctx, `SELECT epoch, recipient, destroyed_at FROM epoch_destructions ORDER BY epoch COLLATE "C"`)
	if err != nil {
		return nil, translate(err, what)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*callvault.EpochDestruction, error) {
		var d callvault.EpochDestruction
		if err := row.Scan(&d.Epoch, &d.Recipient, &d.DestroyedAt); err != nil {
			return nil, err
		}
		d.DestroyedAt = d.DestroyedAt.UTC()
		return &d, nil
	})
	if err != nil {
		return nil, translate(err, what)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// SealedRecordings returns up to limit live recordings sealed to epoch with ID > afterID, by ID.
func (db *DB) SealedRecordings(ctx context.Context, epoch, afterID string, limit int) ([]*callvault.Recording, error) {
	return db.queryRecordings(ctx, "postgres: list recordings of a key epoch", `SELECT `+recordingColumns+` FROM recordings r
		WHERE r.key_epoch = $1 AND r.id > $2 AND r.deleted_at IS NULL ORDER BY r.key_epoch, r.id LIMIT $3`,
		epoch, afterID, callvault.PageLimit(limit))
}
