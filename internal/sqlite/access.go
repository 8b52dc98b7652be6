package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"sort"
	"time"

	"github.com/callvault/callvault"
)

const requestColumns = `id, requester_id, requester_name, purpose, reason, call_time, call_from, call_to,
	extension, external_number, parties, other_information, matched, status, created_at, decider_id,
	decider_name, decided_at, statement, self_approved, grant_id`

func scanRequest(s scanner) (*callvault.AccessRequest, error) {
	var (
		r                           callvault.AccessRequest
		callTime, from, to, decided sql.NullInt64
		parties, matched            string
		created                     int64
	)
	err := s.Scan(&r.ID, &r.RequesterID, &r.RequesterName, &r.Purpose, &r.Reason, &callTime, &from, &to,
		&r.Extension, &r.ExternalNumber, &parties, &r.OtherInformation, &matched, &r.Status, &created,
		&r.DeciderID, &r.DeciderName, &decided, &r.Statement, &r.SelfApproved, &r.GrantID)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(parties), &r.Parties); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(matched), &r.Matched); err != nil {
		return nil, err
	}
	r.CallTime, r.CallFrom, r.CallTo, r.DecidedAt = optTime(callTime), optTime(from), optTime(to), optTime(decided)
	r.CreatedAt = fromMicros(created)
	return &r, nil
}

// CreateAccessRequest inserts r and ev.
func (db *DB) CreateAccessRequest(ctx context.Context, r *callvault.AccessRequest, ev *callvault.AuditEvent) error {
	if r == nil || ev == nil || !callvault.ValidID(r.ID) || r.RequesterID == "" || !r.Purpose.Valid() {
		return callvault.Errorf(callvault.KindInvalid, "sqlite: create access request: a request with an ID, requester and purpose, and an audit event, are required")
	}
	return db.appendWith(ctx, "create access request", ev, func(tx *sql.Tx) error { return insertRequest(ctx, tx, r) })
}

func insertRequest(ctx context.Context, tx *sql.Tx, r *callvault.AccessRequest) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO access_requests (`+requestColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.RequesterID, r.RequesterName, string(r.Purpose), r.Reason, optMicros(r.CallTime),
		optMicros(r.CallFrom), optMicros(r.CallTo), r.Extension, r.ExternalNumber, jsonList(r.Parties),
		r.OtherInformation, jsonList(r.Matched), string(r.Status), micros(r.CreatedAt), r.DeciderID,
		r.DeciderName, optMicros(r.DecidedAt), r.Statement, r.SelfApproved, r.GrantID)
	return err
}

// AccessRequest returns the request with id, or KindNotFound.
func (db *DB) AccessRequest(ctx context.Context, id string) (*callvault.AccessRequest, error) {
	r, err := scanRequest(db.r.QueryRowContext(ctx, `SELECT `+requestColumns+` FROM access_requests WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("no such access request")
	}
	return r, translate(err, "read access request")
}

// AccessRequests returns the requests matching f, newest first.
func (db *DB) AccessRequests(ctx context.Context, f callvault.AccessRequestFilter) ([]*callvault.AccessRequest, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+requestColumns+` FROM access_requests
		WHERE (? = '' OR requester_id = ?) AND (? = '' OR status = ?) ORDER BY created_at DESC, id DESC`,
		f.RequesterID, f.RequesterID, string(f.Status), string(f.Status))
	if err != nil {
		return nil, translate(err, "list access requests")
	}
	defer rows.Close()
	var out []*callvault.AccessRequest
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			return nil, translate(err, "list access requests")
		}
		out = append(out, r)
	}
	return out, translate(rows.Err(), "list access requests")
}

// DecideAccessRequest records the decision, inserts g and appends ev, if r is still pending.
func (db *DB) DecideAccessRequest(ctx context.Context, r *callvault.AccessRequest, g *callvault.Grant, ev *callvault.AuditEvent) error {
	if r == nil || ev == nil || (r.Status != callvault.RequestApproved && r.Status != callvault.RequestRejected) ||
		(r.Status == callvault.RequestApproved) != (g != nil) {
		return callvault.Errorf(callvault.KindInvalid, "sqlite: decide access request: an approval needs its grant, a rejection none, and an audit event")
	}
	return db.appendWith(ctx, "decide access request", ev, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE access_requests SET status = ?, decider_id = ?, decider_name = ?,
			decided_at = ?, statement = ?, self_approved = ?, grant_id = ? WHERE id = ? AND status = ?`,
			string(r.Status), r.DeciderID, r.DeciderName, optMicros(r.DecidedAt), r.Statement, r.SelfApproved,
			r.GrantID, r.ID, string(callvault.RequestPending))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var one int
			if err := tx.QueryRowContext(ctx, `SELECT 1 FROM access_requests WHERE id = ?`, r.ID).Scan(&one); errors.Is(err, sql.ErrNoRows) {
				return notFound("no access request with ID %q", r.ID)
			}
			return callvault.Errorf(callvault.KindConflict, "sqlite: the access request was decided already")
		}
		if g == nil {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO grants (id, request_id, user_id, download, created_at, expires_at, revoked_at, revoked_by)
			VALUES (?, ?, ?, ?, ?, ?, NULL, '')`, g.ID, g.RequestID, g.UserID, g.Download, micros(g.CreatedAt), micros(g.ExpiresAt)); err != nil {
			return err
		}
		for _, id := range g.RecordingIDs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO grant_recordings (grant_id, recording_id) VALUES (?, ?)`, g.ID, id); err != nil {
				return err
			}
		}
		return nil
	})
}

const grantColumns = `id, request_id, user_id, download, created_at, expires_at, revoked_at, revoked_by`

func (db *DB) scanGrant(ctx context.Context, s scanner) (*callvault.Grant, error) {
	var (
		g                callvault.Grant
		created, expires int64
		revoked          sql.NullInt64
	)
	if err := s.Scan(&g.ID, &g.RequestID, &g.UserID, &g.Download, &created, &expires, &revoked, &g.RevokedBy); err != nil {
		return nil, err
	}
	g.CreatedAt, g.ExpiresAt, g.RevokedAt = fromMicros(created), fromMicros(expires), optTime(revoked)
	return &g, nil
}

func (db *DB) grantRecordings(ctx context.Context, g *callvault.Grant) error {
	rows, err := db.r.QueryContext(ctx, `SELECT recording_id FROM grant_recordings WHERE grant_id = ? ORDER BY recording_id`, g.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		g.RecordingIDs = append(g.RecordingIDs, id)
	}
	return rows.Err()
}

// Grant returns the grant with id, or KindNotFound.
func (db *DB) Grant(ctx context.Context, id string) (*callvault.Grant, error) {
	g, err := db.scanGrant(ctx, db.r.QueryRowContext(ctx, `SELECT `+grantColumns+` FROM grants WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("no such grant")
	}
	if err != nil {
		return nil, translate(err, "read grant")
	}
	return g, translate(db.grantRecordings(ctx, g), "read grant")
}

// LiveGrants returns the live grants of userID naming recordingID, newest first.
func (db *DB) LiveGrants(ctx context.Context, userID, recordingID string, now time.Time) ([]*callvault.Grant, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT g.id, g.request_id, g.user_id, g.download, g.created_at, g.expires_at,
		g.revoked_at, g.revoked_by FROM grant_recordings gr JOIN grants g ON g.id = gr.grant_id
		WHERE gr.recording_id = ? AND g.user_id = ? AND g.revoked_at IS NULL AND g.expires_at > ?`,
		recordingID, userID, micros(now))
	if err != nil {
		return nil, translate(err, "read grants")
	}
	var out []*callvault.Grant
	for rows.Next() {
		g, err := db.scanGrant(ctx, rows)
		if err != nil {
			rows.Close()
			return nil, translate(err, "read grants")
		}
		out = append(out, g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, translate(err, "read grants")
	}
	for _, g := range out {
		if err := db.grantRecordings(ctx, g); err != nil {
			return nil, translate(err, "read grants")
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.After(out[j].CreatedAt) })
	return out, nil
}

// RevokeGrant marks the grant revoked and appends ev.
func (db *DB) RevokeGrant(ctx context.Context, id string, at time.Time, by string, ev *callvault.AuditEvent) error {
	if ev == nil {
		return callvault.Errorf(callvault.KindInvalid, "sqlite: revoke grant: an audit event is required")
	}
	return db.appendWith(ctx, "revoke grant", ev, func(tx *sql.Tx) error {
		var revoked sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT revoked_at FROM grants WHERE id = ?`, id).Scan(&revoked)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("no grant with ID %q", id)
		}
		if err != nil {
			return err
		}
		if revoked.Valid {
			return callvault.Errorf(callvault.KindConflict, "sqlite: the grant is revoked already")
		}
		_, err = tx.ExecContext(ctx, `UPDATE grants SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL`, micros(at), by, id)
		return err
	})
}

const delegationColumns = `id, delegate_id, delegate_name, grantor_id, grantor_name, statement, from_at, until_at, created_at, revoked_at`

func scanDelegation(s scanner) (*callvault.Delegation, error) {
	var (
		d                    callvault.Delegation
		from, until, created int64
		revoked              sql.NullInt64
	)
	if err := s.Scan(&d.ID, &d.DelegateID, &d.DelegateName, &d.GrantorID, &d.GrantorName, &d.Statement, &from, &until, &created, &revoked); err != nil {
		return nil, err
	}
	d.From, d.Until, d.CreatedAt, d.RevokedAt = fromMicros(from), fromMicros(until), fromMicros(created), optTime(revoked)
	return &d, nil
}

// CreateDelegation inserts d and ev.
func (db *DB) CreateDelegation(ctx context.Context, d *callvault.Delegation, ev *callvault.AuditEvent) error {
	if d == nil || ev == nil || !callvault.ValidID(d.ID) || d.DelegateID == "" || d.GrantorID == "" {
		return callvault.Errorf(callvault.KindInvalid, "sqlite: create delegation: a delegation with an ID, delegate and grantor, and an audit event, are required")
	}
	return db.appendWith(ctx, "create delegation", ev, func(tx *sql.Tx) error { return insertDelegation(ctx, tx, d) })
}

func insertDelegation(ctx context.Context, tx *sql.Tx, d *callvault.Delegation) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO delegations (`+delegationColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.ID, d.DelegateID, d.DelegateName, d.GrantorID, d.GrantorName, d.Statement, micros(d.From), micros(d.Until),
		micros(d.CreatedAt), optMicros(d.RevokedAt))
	return err
}

// Delegation returns the delegation with id, or KindNotFound.
func (db *DB) Delegation(ctx context.Context, id string) (*callvault.Delegation, error) {
	d, err := scanDelegation(db.r.QueryRowContext(ctx, `SELECT `+delegationColumns+` FROM delegations WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("no such delegation")
	}
	return d, translate(err, "read delegation")
}

// Delegations returns the delegations to delegateID ("" for all), newest first.
func (db *DB) Delegations(ctx context.Context, delegateID string) ([]*callvault.Delegation, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+delegationColumns+` FROM delegations
		WHERE (? = '' OR delegate_id = ?) ORDER BY created_at DESC, id DESC`, delegateID, delegateID)
	if err != nil {
		return nil, translate(err, "list delegations")
	}
	defer rows.Close()
	var out []*callvault.Delegation
	for rows.Next() {
		d, err := scanDelegation(rows)
		if err != nil {
			return nil, translate(err, "list delegations")
		}
		out = append(out, d)
	}
	return out, translate(rows.Err(), "list delegations")
}

// RevokeDelegation marks the delegation revoked and appends ev.
func (db *DB) RevokeDelegation(ctx context.Context, id string, at time.Time, ev *callvault.AuditEvent) error {
	if ev == nil {
		return callvault.Errorf(callvault.KindInvalid, "sqlite: revoke delegation: an audit event is required")
	}
	return db.appendWith(ctx, "revoke delegation", ev, func(tx *sql.Tx) error {
		var revoked sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT revoked_at FROM delegations WHERE id = ?`, id).Scan(&revoked)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("no delegation with ID %q", id)
		}
		if err != nil {
			return err
		}
		if revoked.Valid {
			return callvault.Errorf(callvault.KindConflict, "sqlite: the delegation is revoked already")
		}
		_, err = tx.ExecContext(ctx, `UPDATE delegations SET revoked_at = ? WHERE id = ?`, micros(at), id)
		return err
	})
}
