package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/callvault/callvault"
)

var (
	_ callvault.RetentionSettingStore    = (*DB)(nil)
	_ callvault.RetentionSettingImporter = (*DB)(nil)
)

// AddRetentionSetting stores n and appends ev in one write transaction; KindConflict unless
// n.Version is above every stored version (the IMMEDIATE transaction serialises the check).
func (db *DB) AddRetentionSetting(ctx context.Context, n *callvault.RetentionSetting, ev *callvault.AuditEvent) error {
	if err := checkRetentionSetting(n); err != nil || ev == nil {
		return callvault.Errorf(callvault.KindInvalid, "sqlite: add retention setting: a version above 0 with months in 1..120, and an audit event, are required")
	}
	return db.appendWith(ctx, "add retention setting", ev, func(tx *sql.Tx) error {
		var latest sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT max(version) FROM retention_settings`).Scan(&latest); err != nil {
			return err
		}
		if latest.Valid && int64(n.Version) <= latest.Int64 {
			return callvault.Errorf(callvault.KindConflict, "sqlite: add retention setting: version %d is stored already; the retention period changed meanwhile", latest.Int64)
		}
		return insertRetentionSetting(ctx, tx, n)
	})
}

// ImportRetentionSetting stores n as given, without an audit event; KindConflict if it exists.
func (db *DB) ImportRetentionSetting(ctx context.Context, n *callvault.RetentionSetting) error {
	if err := checkRetentionSetting(n); err != nil {
		return err
	}
	return db.write(ctx, "import retention setting", func(tx *sql.Tx) error { return insertRetentionSetting(ctx, tx, n) })
}

func checkRetentionSetting(n *callvault.RetentionSetting) error {
	if n == nil || n.Version <= 0 || n.Months < callvault.MinRetentionMonths || n.Months > callvault.MaxRetentionMonths {
		return callvault.Errorf(callvault.KindInvalid, "sqlite: retention setting: a version above 0 with months in 1..120 is required")
	}
	return nil
}

func insertRetentionSetting(ctx context.Context, tx *sql.Tx, n *callvault.RetentionSetting) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO retention_settings (version, months, reason, author, created_at) VALUES (?, ?, ?, ?, ?)`,
		n.Version, n.Months, n.Reason, n.Author, micros(n.CreatedAt))
	return err
}

const retentionSettingColumns = `SELECT version, months, reason, author, created_at FROM retention_settings`

func scanRetentionSetting(row interface{ Scan(...any) error }) (*callvault.RetentionSetting, error) {
	var (
		n  callvault.RetentionSetting
		at int64
	)
	if err := row.Scan(&n.Version, &n.Months, &n.Reason, &n.Author, &at); err != nil {
		return nil, err
	}
	n.CreatedAt = fromMicros(at)
	return &n, nil
}

// RetentionSettings returns every stored version, newest first.
func (db *DB) RetentionSettings(ctx context.Context) ([]*callvault.RetentionSetting, error) {
	rows, err := db.r.QueryContext(ctx, retentionSettingColumns+` ORDER BY version DESC`)
	if err != nil {
		return nil, translate(err, "read retention settings")
	}
	defer rows.Close()
	var out []*callvault.RetentionSetting
	for rows.Next() {
		n, err := scanRetentionSetting(rows)
		if err != nil {
			return nil, translate(err, "read retention settings")
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, "read retention settings")
	}
	return out, nil
}

// LatestRetentionSetting returns the highest stored version; KindNotFound when there is none.
func (db *DB) LatestRetentionSetting(ctx context.Context) (*callvault.RetentionSetting, error) {
	n, err := scanRetentionSetting(db.r.QueryRowContext(ctx, retentionSettingColumns+` ORDER BY version DESC LIMIT 1`))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("no retention setting is stored")
	}
	if err != nil {
		return nil, translate(err, "read the latest retention setting")
	}
	return n, nil
}
