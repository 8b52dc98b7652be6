package postgres

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/callvault/callvault"
)

// afterMigration runs the part of a migration that SQL cannot do, in its transaction.
func afterMigration(ctx context.Context, tx pgx.Tx, name string) error {
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
func refoldNames(ctx context.Context, tx pgx.Tx) error {
	rows, err := tx.Query(ctx, `SELECT recording_id, value, started_at FROM recording_subjects
		WHERE kind = 'name' AND value ~ '[^ -~]'`)
	if err != nil {
		return err
	}
	type row struct {
		id, value, folded string
		started           time.Time
	}
	var changed []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.value, &r.started); err != nil {
			rows.Close()
			return err
		}
		if r.folded = callvault.NormalizeName(r.value); r.folded != r.value {
			changed = append(changed, r)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, r := range changed {
		if _, err := tx.Exec(ctx, `DELETE FROM recording_subjects WHERE recording_id = $1 AND kind = 'name' AND value = $2`,
			r.id, r.value); err != nil {
			return err
		}
		if r.folded == "" {
			continue
		}
		if _, err := tx.Exec(ctx, `INSERT INTO recording_subjects (recording_id, kind, value, started_at)
			VALUES ($1, 'name', $2, $3) ON CONFLICT DO NOTHING`, r.id, r.folded, r.started); err != nil {
			return err
		}
	}
	return nil
}
