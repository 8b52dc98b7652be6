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
// Every older fold (lower case and single spaces; then NFKC without invisible characters) agrees
// with the current one on printable ASCII, so only names with another character are read, and a
// name is re-indexed only if its fold changed. Two old values that now fold alike ("josé" and
// "jose" of one recording) become one row.
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
	if len(changed) == 0 {
		return nil
	}
	del, err := tx.PrepareContext(ctx, `DELETE FROM recording_subjects WHERE recording_id = ? AND kind = 'name' AND value = ?`)
	if err != nil {
		return translate(err, "re-fold indexed names")
	}
	defer del.Close()
	ins, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO recording_subjects (recording_id, kind, value, started_at)
		VALUES (?, 'name', ?, ?)`)
	if err != nil {
		return translate(err, "re-fold indexed names")
	}
	defer ins.Close()
	for _, r := range changed {
		if _, err := del.ExecContext(ctx, r.id, r.value); err != nil {
			return translate(err, "re-fold indexed names")
		}
		if r.folded == "" { // only invisible characters: not indexed
			continue
		}
		if _, err := ins.ExecContext(ctx, r.id, r.folded, r.started); err != nil {
			return translate(err, "re-fold indexed names")
		}
	}
	return nil
}
