package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/callvault/callvault"
)

var (
	_ callvault.RetentionSettingStore    = (*DB)(nil)
	_ callvault.RetentionSettingImporter = (*DB)(nil)
)

// retentionSettings is the table of the retention period's versions.
var retentionSettings = versionedTable[*callvault.RetentionSetting]{
	table: "retention_settings", noun: "retention setting", changed: "the retention period changed meanwhile",
	columns:  "version, months, reason, author, created_at",
	version:  func(n *callvault.RetentionSetting) int { return n.Version },
	notFound: "no retention setting is stored",
	check: func(n *callvault.RetentionSetting) error {
		if n == nil || n.Version <= 0 || n.Months < callvault.MinRetentionMonths || n.Months > callvault.MaxRetentionMonths {
			return callvault.Errorf(callvault.KindInvalid, "postgres: retention setting: a version above 0 with months in 1..120 is required")
		}
		return nil
	},
	insert: func(ctx context.Context, tx pgx.Tx, n *callvault.RetentionSetting) error {
		_, err := tx.Exec(ctx, `INSERT INTO retention_settings (version, months, reason, author, created_at) VALUES ($1, $2, $3, $4, $5)`,
			n.Version, n.Months, n.Reason, n.Author, n.CreatedAt)
		return err
	},
	scan: func(row pgx.Row) (*callvault.RetentionSetting, error) {
		var n callvault.RetentionSetting
		if err := row.Scan(&n.Version, &n.Months, &n.Reason, &n.Author, &n.CreatedAt); err != nil {
			return nil, err
		}
		n.CreatedAt = n.CreatedAt.UTC()
		return &n, nil
	},
}

// AddRetentionSetting stores n and appends ev in one transaction; KindConflict unless n.Version
// is above every stored version (two nodes saving at once take turns on the table's lock).
func (db *DB) AddRetentionSetting(ctx context.Context, n *callvault.RetentionSetting, ev *callvault.AuditEvent) error {
	return retentionSettings.add(ctx, db, n, ev)
}

// ImportRetentionSetting stores n as given, without an audit event; KindConflict if it exists.
func (db *DB) ImportRetentionSetting(ctx context.Context, n *callvault.RetentionSetting) error {
	return retentionSettings.importOne(ctx, db, n)
}

// RetentionSettings returns every stored version, newest first.
func (db *DB) RetentionSettings(ctx context.Context) ([]*callvault.RetentionSetting, error) {
	return retentionSettings.all(ctx, db)
}

// LatestRetentionSetting returns the highest stored version; KindNotFound when there is none.
func (db *DB) LatestRetentionSetting(ctx context.Context) (*callvault.RetentionSetting, error) {
	return retentionSettings.latest(ctx, db)
}
