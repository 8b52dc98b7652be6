package postgres

import (
	"context"
	"encoding/json"

	"github.com/callvault/callvault"
	"github.com/jackc/pgx/v5"
)

var _ callvault.CaseImporter = (*DB)(nil)

// ImportCase stores c exactly as given; KindConflict if its ID or reference exists.
func (db *DB) ImportCase(ctx context.Context, c *callvault.Case) error {
	const what = "postgres: import case"
	if err := c.Validate(); err != nil {
		return callvault.PrefixError(err, what)
	}
	prefix, year, seq, err := callvault.ParseCaseReference(c.Type, c.Reference)
	if err != nil {
		return callvault.PrefixError(err, what)
	}
	if c.Version < 1 {
		return callvault.Errorf(callvault.KindInvalid, "%s: version %d is not a stored case's", what, c.Version)
	}
	doc, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return db.inTx(ctx, what, func(tx pgx.Tx) error {
		// The lock CreateCase takes, so that a reference is never given twice meanwhile.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('callvault.case_reference'))`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO cases (id, reference, type, status, ref_prefix, ref_year, ref_seq, version, doc)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, c.ID, c.Reference, string(c.Type), string(c.Status), prefix, year, seq, c.Version, string(doc))
		return err
	})
}
