package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/callvault/callvault"
)

var _ callvault.CaseImporter = (*DB)(nil)

// ImportCase stores c exactly as given; KindConflict if its ID or reference exists.
func (db *DB) ImportCase(ctx context.Context, c *callvault.Case) error {
	if err := c.Validate(); err != nil {
		return prefixed(err, "import case")
	}
	prefix, year, seq, err := callvault.ParseCaseReference(c.Type, c.Reference)
	if err != nil {
		return prefixed(err, "import case")
	}
	if c.Version < 1 {
		return callvault.Errorf(callvault.KindInvalid, "sqlite: import case: version %d is not a stored case's", c.Version)
	}
	doc, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return db.write(ctx, "import case", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO cases (id, reference, type, status, ref_prefix, ref_year, ref_seq, version, doc)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, c.Reference, string(c.Type), string(c.Status), prefix, year, seq, c.Version, string(doc))
		if err := translate(err, ""); callvault.IsKind(err, callvault.KindConflict) {
			return callvault.WrapError(callvault.KindConflict, err, "sqlite: import case: a case with this ID or reference exists already")
		}
		return err
	})
}
