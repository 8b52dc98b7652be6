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
// Every older fold (lower case and single spaces; then NFKC without invisible characters) agrees
// with the current one on printable ASCII, so only names with another character are read, and a
// name is re-indexed only if its fold changed. Two old values that now fold alike ("josé" and
// "jose" of one recording) become one row. Changed rows are rewritten in batches, so that a
// catalogue of millions of recordings migrates in seconds, not one round trip per name.
func refoldNames(ctx context.Context, tx pgx.Tx) error {
	rows, err := tx.Query(ctx, `SELECT recording_id, value, started_at FROM recording_subjects
		WHERE kind = 'name' AND value ~ '[^ -~]'`)
	if err != nil {
		return err
	}
	var (
		ids, olds, news []string
		starts          []time.Time
	)
	for rows.Next() {
		var (
			id, value string
			started   time.Time
		)
		if err := rows.Scan(&id, &value, &started); err != nil {
			rows.Close()
			return err
		}
		if folded := callvault.NormalizeName(value); folded != value {
			ids, olds, news, starts = append(ids, id), append(olds, value), append(news, folded), append(starts, started)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	const batch = 10000
	for i := 0; i < len(ids); i += batch {
		j := min(i+batch, len(ids))
		if _, err := tx.Exec(ctx, `DELETE FROM recording_subjects s USING unnest($1::text[], $2::text[]) AS o(id, value)
			WHERE s.recording_id = o.id AND s.kind = 'name' AND s.value = o.value`, ids[i:j], olds[i:j]); err != nil {
			return err
		}
		// A name that folds to nothing (only invisible characters) is not indexed.
		if _, err := tx.Exec(ctx, `INSERT INTO recording_subjects (recording_id, kind, value, started_at)
			SELECT id, 'name', value, started FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS n(id, value, started)
			WHERE value <> '' ON CONFLICT DO NOTHING`, ids[i:j], news[i:j], starts[i:j]); err != nil {
			return err
		}
	}
	return nil
}
