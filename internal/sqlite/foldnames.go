package sqlite

import (
	"context"
	"database/sql"
	"strings"

	"github.com/callvault/callvault"
)

// afterMigration runs the part of a migration that SQL cannot do, in its transaction.
func afterMigration(ctx context.Context, tx *sql.Tx, name string) error {
	if strings.HasSuffix(name, "_fold_names.sql") {
		return refoldNames(ctx, tx)
	}
	return nil
}

// refoldNames re-folds the names of the subject index with the current callvault.NormalizeName.
// Names indexed by an older program were only lower-cased and had their spaces collapsed, which
// the current fold extends (it is the same on ASCII), so only names with other characters are
// read, and a name is re-indexed only if its fold changed. Two old values that now fold alike
// become one row.
func refoldNames(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT recording_id, value, started_at FROM recording_subjects
		WHERE kind = 'name' AND value GLOB '*[^ -~]*'`)
	if err != nil {
		return translate(err, "re-fold indexed names")
	}
	type row struct {
		id, value, folded string
		started           int64
	}
	var changed []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.value, &r.started); err != nil {
			rows.Close()
			return translate(err, "re-fold indexed names")
		}
		if r.folded = callvault.NormalizeName(r.value); r.folded != r.value {
			changed = append(changed, r)
		}
	}
	if err := rows.Close(); err != nil {
		return translate(err, "re-fold indexed names")
	}
	for _, r := range changed {
		if _, err := tx.ExecContext(ctx, `DELETE FROM recording_subjects WHERE recording_id = ? AND kind = 'name' AND value = ?`,
			r.id, r.value); err != nil {
			return translate(err, "re-fold indexed names")
		}
		if r.folded == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO recording_subjects (recording_id, kind, value, started_at)
			VALUES (?, 'name', ?, ?)`, r.id, r.folded, r.started); err != nil {
			return translate(err, "re-fold indexed names")
		}
	}
	return nil
}
