package postgres

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/callvault/callvault"
	"github.com/jackc/pgx/v5"
)

var _ callvault.CaseStore = (*DB)(nil)

// CreateCase numbers c's reference and stores it with ev atomically. A transaction-scoped
// advisory lock makes concurrent openings take turns at numbering, so no two share a number.
func (db *DB) CreateCase(ctx context.Context, c *callvault.Case, ev *callvault.AuditEvent) error {
	const what = "postgres: create case"
	if err := c.Validate(); err != nil {
		return callvault.PrefixError(err, what)
	}
	if err := checkEvent(ev, what); err != nil {
		return err
	}
	prefix, year := c.Type.ReferencePrefix(), c.OpenedAt.UTC().Year()
	var (
		sealed *callvault.AuditEvent
		made   callvault.Case
	)
	err := db.inTx(ctx, what, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('callvault.case_reference'))`); err != nil {
			return err
		}
		var seq int
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(ref_seq), 0) + 1 FROM cases WHERE ref_prefix = $1 AND ref_year = $2`,
			prefix, year).Scan(&seq); err != nil {
			return err
		}
		made = *c
		made.Reference = callvault.CaseReference(prefix, year, seq)
		made.Version = 1
		doc, err := json.Marshal(&made)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO cases (id, reference, type, status, ref_prefix, ref_year, ref_seq, version, doc)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8)`, made.ID, made.Reference, string(made.Type), string(made.Status),
			prefix, year, seq, string(doc)); err != nil {
			return err
		}
		sealed, err = db.appendAudit(ctx, tx, ev)
		return err
	})
	if err != nil {
		return err
	}
	c.Reference, c.Version = made.Reference, made.Version
	*ev = *sealed
	return nil
}

// Case returns the case with the given ID, or KindNotFound.
func (db *DB) Case(ctx context.Context, id string) (*callvault.Case, error) {
	c, err := scanCase(db.pool.QueryRow(ctx, `SELECT doc FROM cases WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, callvault.Errorf(callvault.KindNotFound, "postgres: no case with ID %q", id)
	}
	if err != nil {
		return nil, translate(err, "postgres: case")
	}
	return c, nil
}

// UpdateCase replaces an open case whose stored version is c.Version, and appends ev.
func (db *DB) UpdateCase(ctx context.Context, c *callvault.Case, ev *callvault.AuditEvent) error {
	const what = "postgres: update case"
	if err := c.Validate(); err != nil {
		return callvault.PrefixError(err, what)
	}
	if err := checkEvent(ev, what); err != nil {
		return err
	}
	next := *c
	next.Version = c.Version + 1
	var sealed *callvault.AuditEvent
	err := db.inTx(ctx, what, func(tx pgx.Tx) error {
		old, err := scanCase(tx.QueryRow(ctx, `SELECT doc FROM cases WHERE id = $1 FOR UPDATE`, c.ID))
		if errors.Is(err, pgx.ErrNoRows) {
			return callvault.Errorf(callvault.KindNotFound, "%s: no case with ID %q", what, c.ID)
		}
		if err != nil {
			return err
		}
		if err := callvault.CheckCaseUpdate(old, c); err != nil {
			return err
		}
		doc, err := json.Marshal(&next)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE cases SET status = $1, version = $2, doc = $3 WHERE id = $4`,
			string(next.Status), next.Version, string(doc), c.ID); err != nil {
			return err
		}
		sealed, err = db.appendAudit(ctx, tx, ev)
		return err
	})
	if err != nil {
		return err
	}
	c.Version = next.Version
	*ev = *sealed
	return nil
}

// Cases returns up to f.Limit cases matching f, ordered by ID.
func (db *DB) Cases(ctx context.Context, f callvault.CaseFilter) ([]*callvault.Case, error) {
	rows, err := db.pool.Query(ctx, `SELECT doc FROM cases WHERE ($1 = '' OR status = $1) AND id > $2 ORDER BY id LIMIT $3`,
		string(f.Status), f.After, callvault.PageLimit(f.Limit))
	if err != nil {
		return nil, translate(err, "postgres: cases")
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*callvault.Case, error) { return scanCase(row) })
	if err != nil {
		return nil, translate(err, "postgres: cases")
	}
	return out, nil
}

func scanCase(row pgx.Row) (*callvault.Case, error) {
	var doc string
	if err := row.Scan(&doc); err != nil {
		return nil, err
	}
	var c callvault.Case
	if err := json.Unmarshal([]byte(doc), &c); err != nil {
		return nil, callvault.WrapError(callvault.KindInternal, err, "postgres: a stored case does not decode")
	}
	return &c, nil
}
