package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/callvault/callvault"
)

var _ callvault.CaseStore = (*DB)(nil)

// CreateCase numbers c's reference and stores it with ev in one write transaction (SQLite's
// writers take turns, so two cases never get one number).
func (db *DB) CreateCase(ctx context.Context, c *callvault.Case, ev *callvault.AuditEvent) error {
	if err := c.Validate(); err != nil {
		return prefixed(err, "create case")
	}
	if ev == nil {
		return callvault.Errorf(callvault.KindInvalid, "sqlite: create case: an audit event is required")
	}
	prefix, year := c.Type.ReferencePrefix(), c.OpenedAt.UTC().Year()
	var made callvault.Case
	err := db.appendWith(ctx, "create case", ev, func(tx *sql.Tx) error {
		var seq int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(ref_seq), 0) + 1 FROM cases WHERE ref_prefix = ? AND ref_year = ?`,
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
		_, err = tx.ExecContext(ctx, `INSERT INTO cases (id, reference, type, status, ref_prefix, ref_year, ref_seq, version, doc)
			VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)`, made.ID, made.Reference, string(made.Type), string(made.Status), prefix, year, seq, string(doc))
		if callvault.IsKind(translate(err, ""), callvault.KindConflict) {
			return callvault.WrapError(callvault.KindConflict, err, "sqlite: a case with this ID exists already")
		}
		return err
	})
	if err != nil {
		return err
	}
	c.Reference, c.Version = made.Reference, made.Version
	return nil
}

// Case returns the case with the given ID, or KindNotFound.
func (db *DB) Case(ctx context.Context, id string) (*callvault.Case, error) {
	c, err := scanCase(db.r.QueryRowContext(ctx, `SELECT doc FROM cases WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("no case with ID %q", id)
	}
	return c, translate(err, "case")
}

// UpdateCase replaces an open case whose stored version is c.Version, and appends ev.
func (db *DB) UpdateCase(ctx context.Context, c *callvault.Case, ev *callvault.AuditEvent) error {
	if err := c.Validate(); err != nil {
		return prefixed(err, "update case")
	}
	if ev == nil {
		return callvault.Errorf(callvault.KindInvalid, "sqlite: update case: an audit event is required")
	}
	next := *c
	next.Version = c.Version + 1
	err := db.appendWith(ctx, "update case", ev, func(tx *sql.Tx) error {
		old, err := scanCase(tx.QueryRowContext(ctx, `SELECT doc FROM cases WHERE id = ?`, c.ID))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("no case with ID %q", c.ID)
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
		_, err = tx.ExecContext(ctx, `UPDATE cases SET status = ?, version = ?, doc = ? WHERE id = ? AND version = ?`,
			string(next.Status), next.Version, string(doc), c.ID, c.Version)
		return err
	})
	if err != nil {
		return err
	}
	c.Version = next.Version
	return nil
}

// Cases returns up to f.Limit cases matching f, ordered by ID.
func (db *DB) Cases(ctx context.Context, f callvault.CaseFilter) ([]*callvault.Case, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT doc FROM cases WHERE (? = '' OR status = ?) AND id > ? ORDER BY id LIMIT ?`,
		string(f.Status), string(f.Status), f.After, callvault.PageLimit(f.Limit))
	if err != nil {
		return nil, translate(err, "cases")
	}
	defer rows.Close()
	var out []*callvault.Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, translate(err, "cases")
		}
		out = append(out, c)
	}
	return out, translate(rows.Err(), "cases")
}

func scanCase(s scanner) (*callvault.Case, error) {
	var doc string
	if err := s.Scan(&doc); err != nil {
		return nil, err
	}
	var c callvault.Case
	if err := json.Unmarshal([]byte(doc), &c); err != nil {
		return nil, callvault.WrapError(callvault.KindInternal, err, "sqlite: a stored case does not decode")
	}
	return &c, nil
}
