package postgres

import (
	"context"
	"time"

	"github.com/callvault/callvault"
	"github.com/jackc/pgx/v5"
)

const requestColumns = `id, requester_id, requester_name, purpose, reason, call_time, call_from, call_to,
	extension, external_number, parties, other_information, matched, status, created_at, decider_id,
	decider_name, decided_at, statement, self_approved, grant_id`

func scanRequest(row pgx.Row) (*callvault.AccessRequest, error) {
	var r callvault.AccessRequest
	var purpose, status string
	err := row.Scan(&r.ID, &r.RequesterID, &r.RequesterName, &purpose, &r.Reason, &r.CallTime, &r.CallFrom, &r.CallTo,
		&r.Extension, &r.ExternalNumber, &r.Parties, &r.OtherInformation, &r.Matched, &status, &r.CreatedAt,
		&r.DeciderID, &r.DeciderName, &r.DecidedAt, &r.Statement, &r.SelfApproved, &r.GrantID)
	if err != nil {
		return nil, err
	}
	r.Purpose, r.Status = callvault.Purpose(purpose), callvault.RequestStatus(status)
	r.CallTime, r.CallFrom, r.CallTo, r.DecidedAt = utcPtr(r.CallTime), utcPtr(r.CallFrom), utcPtr(r.CallTo), utcPtr(r.DecidedAt)
	r.CreatedAt = r.CreatedAt.UTC()
	return &r, nil
}

// CreateAccessRequest inserts r and ev.
func (db *DB) CreateAccessRequest(ctx context.Context, r *callvault.AccessRequest, ev *callvault.AuditEvent) error {
	const what = "postgres: create access request"
	if r == nil || !callvault.ValidID(r.ID) || r.RequesterID == "" || !r.Purpose.Valid() {
		return callvault.Errorf(callvault.KindInvalid, "%s: a request with an ID, requester and purpose is required", what)
	}
	return db.change(ctx, what, ev, func(tx pgx.Tx) error { return insertRequest(ctx, tx, r) })
}

func insertRequest(ctx context.Context, tx pgx.Tx, r *callvault.AccessRequest) error {
	_, err := tx.Exec(ctx, `INSERT INTO access_requests (`+requestColumns+`) VALUES
		($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`,
		r.ID, r.RequesterID, r.RequesterName, string(r.Purpose), r.Reason, r.CallTime, r.CallFrom, r.CallTo,
		r.Extension, r.ExternalNumber, strs(r.Parties), r.OtherInformation, strs(r.Matched), string(r.Status),
		r.CreatedAt, r.DeciderID, r.DeciderName, r.DecidedAt, r.Statement, r.SelfApproved, r.GrantID)
	return err
}

// AccessRequest returns the request with id, or KindNotFound.
func (db *DB) AccessRequest(ctx context.Context, id string) (*callvault.AccessRequest, error) {
	r, err := scanRequest(db.pool.QueryRow(ctx, `SELECT `+requestColumns+` FROM access_requests WHERE id = $1`, id))
	return r, translate(err, "postgres: access request")
}

// AccessRequests returns the requests matching f, newest first.
func (db *DB) AccessRequests(ctx context.Context, f callvault.AccessRequestFilter) ([]*callvault.AccessRequest, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+requestColumns+` FROM access_requests
		WHERE ($1 = '' OR requester_id = $1) AND ($2 = '' OR status = $2) ORDER BY created_at DESC, id DESC`,
		f.RequesterID, string(f.Status))
	if err != nil {
		return nil, translate(err, "postgres: list access requests")
	}
	rs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*callvault.AccessRequest, error) { return scanRequest(row) })
	return rs, translate(err, "postgres: list access requests")
}

// DecideAccessRequest records the decision, inserts g and appends ev, if r is still pending.
func (db *DB) DecideAccessRequest(ctx context.Context, r *callvault.AccessRequest, g *callvault.Grant, ev *callvault.AuditEvent) error {
	const what = "postgres: decide access request"
	if r == nil || (r.Status != callvault.RequestApproved && r.Status != callvault.RequestRejected) ||
		(r.Status == callvault.RequestApproved) != (g != nil) {
		return callvault.Errorf(callvault.KindInvalid, "%s: an approval needs its grant, a rejection none", what)
	}
	return db.change(ctx, what, ev, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE access_requests SET status = $1, decider_id = $2, decider_name = $3,
			decided_at = $4, statement = $5, self_approved = $6, grant_id = $7 WHERE id = $8 AND status = 'pending'`,
			string(r.Status), r.DeciderID, r.DeciderName, r.DecidedAt, r.Statement, r.SelfApproved, r.GrantID, r.ID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			var one int
			if err := tx.QueryRow(ctx, `SELECT 1 FROM access_requests WHERE id = $1`, r.ID).Scan(&one); err == pgx.ErrNoRows {
				return callvault.Errorf(callvault.KindNotFound, "%s: no such access request", what)
			}
			return callvault.Errorf(callvault.KindConflict, "%s: the access request was decided already", what)
		}
		if g == nil {
			return nil
		}
		if _, err := tx.Exec(ctx, `INSERT INTO grants (id, request_id, user_id, download, created_at, expires_at, revoked_at, revoked_by)
			VALUES ($1, $2, $3, $4, $5, $6, NULL, '')`, g.ID, g.RequestID, g.UserID, g.Download, g.CreatedAt, g.ExpiresAt); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO grant_recordings (grant_id, recording_id) SELECT $1, unnest($2::text[])`, g.ID, g.RecordingIDs)
		return err
	})
}

const grantColumns = `g.id, g.request_id, g.user_id, g.download, g.created_at, g.expires_at, g.revoked_at, g.revoked_by,
	ARRAY(SELECT recording_id FROM grant_recordings WHERE grant_id = g.id ORDER BY recording_id)`

func scanGrant(row pgx.Row) (*callvault.Grant, error) {
	var g callvault.Grant
	if err := row.Scan(&g.ID, &g.RequestID, &g.UserID, &g.Download, &g.CreatedAt, &g.ExpiresAt, &g.RevokedAt, &g.RevokedBy, &g.RecordingIDs); err != nil {
		return nil, err
	}
	g.CreatedAt, g.ExpiresAt, g.RevokedAt = g.CreatedAt.UTC(), g.ExpiresAt.UTC(), utcPtr(g.RevokedAt)
	return &g, nil
}

// Grant returns the grant with id, or KindNotFound.
func (db *DB) Grant(ctx context.Context, id string) (*callvault.Grant, error) {
	g, err := scanGrant(db.pool.QueryRow(ctx, `SELECT `+grantColumns+` FROM grants g WHERE g.id = $1`, id))
	return g, translate(err, "postgres: grant")
}

// LiveGrants returns the live grants of userID naming recordingID, newest first.
func (db *DB) LiveGrants(ctx context.Context, userID, recordingID string, now time.Time) ([]*callvault.Grant, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+grantColumns+` FROM grant_recordings gr JOIN grants g ON g.id = gr.grant_id
		WHERE gr.recording_id = $1 AND g.user_id = $2 AND g.revoked_at IS NULL AND g.expires_at > $3
		ORDER BY g.created_at DESC, g.id DESC`, recordingID, userID, now)
	if err != nil {
		return nil, translate(err, "postgres: live grants")
	}
	gs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*callvault.Grant, error) { return scanGrant(row) })
	return gs, translate(err, "postgres: live grants")
}

// RevokeGrant marks the grant revoked and appends ev.
func (db *DB) RevokeGrant(ctx context.Context, id string, at time.Time, by string, ev *callvault.AuditEvent) error {
	const what = "postgres: revoke grant"
	return db.change(ctx, what, ev, func(tx pgx.Tx) error {
		var revoked *time.Time
		if err := tx.QueryRow(ctx, `SELECT revoked_at FROM grants WHERE id = $1 FOR UPDATE`, id).Scan(&revoked); err == pgx.ErrNoRows {
			return callvault.Errorf(callvault.KindNotFound, "%s: no such grant", what)
		} else if err != nil {
			return err
		}
		if revoked != nil {
			return callvault.Errorf(callvault.KindConflict, "%s: the grant is revoked already", what)
		}
		_, err := tx.Exec(ctx, `UPDATE grants SET revoked_at = $1, revoked_by = $2 WHERE id = $3`, at, by, id)
		return err
	})
}

const delegationColumns = `id, delegate_id, delegate_name, grantor_id, grantor_name, statement, from_at, until_at, created_at, revoked_at`

func scanDelegation(row pgx.Row) (*callvault.Delegation, error) {
	var d callvault.Delegation
	if err := row.Scan(&d.ID, &d.DelegateID, &d.DelegateName, &d.GrantorID, &d.GrantorName, &d.Statement, &d.From, &d.Until, &d.CreatedAt, &d.RevokedAt); err != nil {
		return nil, err
	}
	d.From, d.Until, d.CreatedAt, d.RevokedAt = d.From.UTC(), d.Until.UTC(), d.CreatedAt.UTC(), utcPtr(d.RevokedAt)
	return &d, nil
}

// CreateDelegation inserts d and ev.
func (db *DB) CreateDelegation(ctx context.Context, d *callvault.Delegation, ev *callvault.AuditEvent) error {
	const what = "postgres: create delegation"
	if d == nil || !callvault.ValidID(d.ID) || d.DelegateID == "" || d.GrantorID == "" {
		return callvault.Errorf(callvault.KindInvalid, "%s: a delegation with an ID, delegate and grantor is required", what)
	}
	return db.change(ctx, what, ev, func(tx pgx.Tx) error { return insertDelegation(ctx, tx, d) })
}

func insertDelegation(ctx context.Context, tx pgx.Tx, d *callvault.Delegation) error {
	_, err := tx.Exec(ctx, `INSERT INTO delegations (`+delegationColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		d.ID, d.DelegateID, d.DelegateName, d.GrantorID, d.GrantorName, d.Statement, d.From, d.Until, d.CreatedAt, d.RevokedAt)
	return err
}

// Delegation returns the delegation with id, or KindNotFound.
func (db *DB) Delegation(ctx context.Context, id string) (*callvault.Delegation, error) {
	d, err := scanDelegation(db.pool.QueryRow(ctx, `SELECT `+delegationColumns+` FROM delegations WHERE id = $1`, id))
	return d, translate(err, "postgres: delegation")
}

// Delegations returns the delegations to delegateID ("" for all), newest first.
func (db *DB) Delegations(ctx context.Context, delegateID string) ([]*callvault.Delegation, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+delegationColumns+` FROM delegations
		WHERE ($1 = '' OR delegate_id = $1) ORDER BY created_at DESC, id DESC`, delegateID)
	if err != nil {
		return nil, translate(err, "postgres: list delegations")
	}
	ds, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*callvault.Delegation, error) { return scanDelegation(row) })
	return ds, translate(err, "postgres: list delegations")
}

// RevokeDelegation marks the delegation revoked and appends ev.
func (db *DB) RevokeDelegation(ctx context.Context, id string, at time.Time, ev *callvault.AuditEvent) error {
	const what = "postgres: revoke delegation"
	return db.change(ctx, what, ev, func(tx pgx.Tx) error {
		var revoked *time.Time
		if err := tx.QueryRow(ctx, `SELECT revoked_at FROM delegations WHERE id = $1 FOR UPDATE`, id).Scan(&revoked); err == pgx.ErrNoRows {
			return callvault.Errorf(callvault.KindNotFound, "%s: no such delegation", what)
		} else if err != nil {
			return err
		}
		if revoked != nil {
			return callvault.Errorf(callvault.KindConflict, "%s: the delegation is revoked already", what)
		}
		_, err := tx.Exec(ctx, `UPDATE delegations SET revoked_at = $1 WHERE id = $2`, at, id)
		return err
	})
}
