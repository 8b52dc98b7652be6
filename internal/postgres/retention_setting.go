package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/callvault/callvault"
)

var (
	_ callvault.RetentionSettingStore    = (*DB)(nil)
	_ callvault.RetentionSettingImporter = (*DB)(nil)
)

// AddRetentionSetting stores n and appends ev in one transaction; KindConflict unless n.Version is
// above every stored version. The table lock makes two nodes saving at once take turns, so
// the second sees the first's version and is refused.
func (db *DB) AddRetentionSetting(ctx context.Context, n *callvault.RetentionSetting, ev *callvault.AuditEvent) error {
	const what = "postgres: add retention setting"
	if err := checkRetentionSetting(n, what); err != nil {
		return err
	}
	return db.change(ctx, what, ev, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `LOCK TABLE retention_settings IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return err
		}
		var latest *int64
		if err := tx.QueryRow(ctx, `SELECT max(version) FROM retention_settings`).Scan(&latest); err != nil {
			return err
		}
		if latest != nil && int64(n.Version) <= *latest {
			return callvault.Errorf(callvault.KindConflict, "%s: version %d is stored already; the retention period changed meanwhile", what, *latest)
		}
		return insertRetentionSetting(ctx, tx, n)
	})
}

// ImportRetentionSetting stores n as given, without an audit event; KindConflict if it exists.
func (db *DB) ImportRetentionSetting(ctx context.Context, n *callvault.RetentionSetting) error {
	const what = "postgres: import retention setting"
	if err := checkRetentionSetting(n, what); err != nil {
		return err
	}
	return db.inTx(ctx, what, func(tx pgx.Tx) error { return insertRetentionSetting(ctx, tx, n) })
}

func checkRetentionSetting(n *callvault.RetentionSetting, what string) error {
	if n == nil || n.Version <= 0 || n.Months < callvault.MinRetentionMonths || n.Months > callvault.MaxRetentionMonths {
		return callvault.Errorf(callvault.KindInvalid, "%s: a version above 0 with months in 1..120 is required", what)
	}
	return nil
}

func insertRetentionSetting(ctx context.Context, tx pgx.Tx, n *callvault.RetentionSetting) error {
	_, err := tx.Exec(ctx, `INSERT INTO retention_settings (version, months, reason, author, created_at) VALUES ($1, $2, $3, $4, $5)`,
		n.Version, n.Months, n.Reason, n.Author, n.CreatedAt)
	return err
}

const retentionSettingColumns = `SELECT version, months, reason, author, created_at FROM retention_settings`

func scanRetentionSetting(row pgx.Row) (*callvault.RetentionSetting, error) {
	var n callvault.RetentionSetting
	if err := row.Scan(&n.Version, &n.Months, &n.Reason, &n.Author, &n.CreatedAt); err != nil {
		return nil, err
	}
	n.CreatedAt = n.CreatedAt.UTC()
	return &n, nil
}

// RetentionSettings returns every stored version, newest first.
func (db *DB) RetentionSettings(ctx context.Context) ([]*callvault.RetentionSetting, error) {
	const what = "postgres: retention settings"
	rows, err := db.pool.Query(ctx, retentionSettingColumns+` ORDER BY version DESC`)
	if err != nil {
		return nil, translate(err, what)
	}
	defer rows.Close()
	var out []*callvault.RetentionSetting
	for rows.Next() {
		n, err := scanRetentionSetting(rows)
		if err != nil {
			return nil, translate(err, what)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, what)
	}
	return out, nil
}

// LatestRetentionSetting returns the highest stored version; KindNotFound when there is none.
func (db *DB) LatestRetentionSetting(ctx context.Context) (*callvault.RetentionSetting, error) {
	const what = "postgres: latest retention setting"
	n, err := scanRetentionSetting(db.pool.QueryRow(ctx, retentionSettingColumns+` ORDER BY version DESC LIMIT 1`))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, callvault.Errorf(callvault.KindNotFound, "%s: no retention setting is stored", what)
	}
	if err != nil {
		return nil, translate(err, what)
	}
	return n, nil
}
