package postgres

import (
	"context"
	"time"

	"github.com/callvault/callvault"
	"github.com/jackc/pgx/v5"
)

var _ callvault.PeopleStore = (*DB)(nil)

// change runs fn and appends ev in one transaction, copying the sealed event to ev on commit.
func (db *DB) change(ctx context.Context, what string, ev *callvault.AuditEvent, fn func(tx pgx.Tx) error) error {
	if err := checkEvent(ev, what); err != nil {
		return err
	}
	var sealed *callvault.AuditEvent
	err := db.inTx(ctx, what, func(tx pgx.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		var err error
		sealed, err = db.appendAudit(ctx, tx, ev)
		return err
	})
	if err != nil {
		return err
	}
	*ev = *sealed
	return nil
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func strs[T ~string](v []T) []string {
	out := make([]string, len(v))
	for i, s := range v {
		out[i] = string(s)
	}
	return out
}

const userColumns = `id, name, email, roles, password_hash, setup_hash, setup_expires, totp_secret,
	totp_confirmed_at, totp_last_step, recovery_hashes, failed_logins, locked_until,
	session_epoch, notice_version, notice_ack_at, created_at, disabled_at, version`

func userArgs(u *callvault.User) []any {
	var setup *string
	if u.SetupHash != "" {
		setup = &u.SetupHash
	}
	return []any{u.ID, u.Name, u.Email, strs(u.Roles), u.PasswordHash, setup, u.SetupExpires, u.TOTPSecret,
		u.TOTPConfirmedAt, u.TOTPLastStep, strs(u.RecoveryHashes), u.FailedLogins, u.LockedUntil,
		u.SessionEpoch, u.NoticeVersion, u.NoticeAckAt, u.CreatedAt, u.DisabledAt, u.Version}
}

func scanUser(row pgx.Row) (*callvault.User, error) {
	var (
		u     callvault.User
		roles []string
		setup *string
	)
	err := row.Scan(&u.ID, &u.Name, &u.Email, &roles, &u.PasswordHash, &setup, &u.SetupExpires, &u.TOTPSecret,
		&u.TOTPConfirmedAt, &u.TOTPLastStep, &u.RecoveryHashes, &u.FailedLogins, &u.LockedUntil,
		&u.SessionEpoch, &u.NoticeVersion, &u.NoticeAckAt, &u.CreatedAt, &u.DisabledAt, &u.Version)
	if err != nil {
		return nil, err
	}
	for _, r := range roles {
		u.Roles = append(u.Roles, callvault.Role(r))
	}
	if setup != nil {
		u.SetupHash = *setup
	}
	u.SetupExpires, u.TOTPConfirmedAt, u.LockedUntil = utcPtr(u.SetupExpires), utcPtr(u.TOTPConfirmedAt), utcPtr(u.LockedUntil)
	u.NoticeAckAt, u.DisabledAt = utcPtr(u.NoticeAckAt), utcPtr(u.DisabledAt)
	u.CreatedAt = u.CreatedAt.UTC()
	return &u, nil
}

func insertUser(ctx context.Context, tx pgx.Tx, u *callvault.User) error {
	_, err := tx.Exec(ctx, `INSERT INTO users (`+userColumns+`) VALUES
		($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`, userArgs(u)...)
	return err
}

// CreateUser inserts u and ev; KindConflict if the ID or name is taken.
func (db *DB) CreateUser(ctx context.Context, u *callvault.User, ev *callvault.AuditEvent) error {
	const what = "postgres: create user"
	if u == nil {
		return callvault.Errorf(callvault.KindInvalid, "%s: no user given", what)
	}
	if err := u.Validate(); err != nil {
		return prefixed(err, what)
	}
	return db.change(ctx, what, ev, func(tx pgx.Tx) error { return insertUser(ctx, tx, u) })
}

// CreateFirstUser inserts u and ev only while there is no user; KindConflict otherwise.
func (db *DB) CreateFirstUser(ctx context.Context, u *callvault.User, ev *callvault.AuditEvent) error {
	const what = "postgres: create first user"
	if u == nil {
		return callvault.Errorf(callvault.KindInvalid, "%s: no user given", what)
	}
	if err := u.Validate(); err != nil {
		return prefixed(err, what)
	}
	return db.change(ctx, what, ev, func(tx pgx.Tx) error {
		// Two first users at once: both take this lock, the second then sees the first.
		if _, err := tx.Exec(ctx, `LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return callvault.Errorf(callvault.KindConflict, "%s: the vault has users already; the bootstrap link is spent", what)
		}
		return insertUser(ctx, tx, u)
	})
}

func (db *DB) userWhere(ctx context.Context, where string, arg any) (*callvault.User, error) {
	u, err := scanUser(db.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE `+where, arg))
	return u, translate(err, "postgres: user")
}

// User returns the user with id, or KindNotFound.
func (db *DB) User(ctx context.Context, id string) (*callvault.User, error) {
	return db.userWhere(ctx, "id = $1", id)
}

// UserByName returns the user named name, or KindNotFound.
func (db *DB) UserByName(ctx context.Context, name string) (*callvault.User, error) {
	return db.userWhere(ctx, "name = $1", name)
}

// UserBySetupHash returns the user whose set-password link hashes to hash, or KindNotFound.
func (db *DB) UserBySetupHash(ctx context.Context, hash string) (*callvault.User, error) {
	if hash == "" {
		return nil, callvault.Errorf(callvault.KindNotFound, "postgres: no such link")
	}
	return db.userWhere(ctx, "setup_hash = $1", hash)
}

// Users returns every user ordered by name.
func (db *DB) Users(ctx context.Context) ([]*callvault.User, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+userColumns+` FROM users ORDER BY name`)
	if err != nil {
		return nil, translate(err, "postgres: list users")
	}
	us, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*callvault.User, error) { return scanUser(row) })
	return us, translate(err, "postgres: list users")
}

// UpdateUser writes u if its Version is the stored one, then increments u.Version.
func (db *DB) UpdateUser(ctx context.Context, u *callvault.User, ev *callvault.AuditEvent) error {
	const what = "postgres: update user"
	if u == nil {
		return callvault.Errorf(callvault.KindInvalid, "%s: no user given", what)
	}
	if err := u.Validate(); err != nil {
		return prefixed(err, what)
	}
	err := db.change(ctx, what, ev, func(tx pgx.Tx) error {
		a := userArgs(u)
		tag, err := tx.Exec(ctx, `UPDATE users SET email = $1, roles = $2, password_hash = $3, setup_hash = $4,
			setup_expires = $5, totp_secret = $6, totp_confirmed_at = $7, totp_last_step = $8, recovery_hashes = $9,
			failed_logins = $10, locked_until = $11, session_epoch = $12, notice_version = $13, notice_ack_at = $14,
			disabled_at = $15, version = version + 1 WHERE id = $16 AND version = $17`,
			a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15], a[17], u.ID, u.Version)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			var one int
			if err := tx.QueryRow(ctx, `SELECT 1 FROM users WHERE id = $1`, u.ID).Scan(&one); err == pgx.ErrNoRows {
				return callvault.Errorf(callvault.KindNotFound, "%s: no user with that ID", what)
			}
			return callvault.Errorf(callvault.KindConflict, "%s: user %s was changed meanwhile; read it again", what, u.Name)
		}
		return nil
	})
	if err == nil {
		u.Version++
	}
	return err
}

// CreateSession inserts s and ev.
func (db *DB) CreateSession(ctx context.Context, s *callvault.Session, ev *callvault.AuditEvent) error {
	const what = "postgres: create session"
	if s == nil || s.ID == "" || s.UserID == "" {
		return callvault.Errorf(callvault.KindInvalid, "%s: a session with an ID and user is required", what)
	}
	return db.change(ctx, what, ev, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at, epoch)
			VALUES ($1, $2, $3, $4, $5, $6)`, s.ID, s.UserID, s.CreatedAt, s.LastSeenAt, s.ExpiresAt, s.Epoch)
		return err
	})
}

// Session returns the session with id, or KindNotFound.
func (db *DB) Session(ctx context.Context, id string) (*callvault.Session, error) {
	var s callvault.Session
	err := db.pool.QueryRow(ctx, `SELECT id, user_id, created_at, last_seen_at, expires_at, epoch FROM sessions WHERE id = $1`, id).
		Scan(&s.ID, &s.UserID, &s.CreatedAt, &s.LastSeenAt, &s.ExpiresAt, &s.Epoch)
	if err != nil {
		return nil, translate(err, "postgres: session")
	}
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt = s.CreatedAt.UTC(), s.LastSeenAt.UTC(), s.ExpiresAt.UTC()
	return &s, nil
}

// TouchSession sets the session's LastSeenAt; KindNotFound if it is gone.
func (db *DB) TouchSession(ctx context.Context, id string, at time.Time) error {
	tag, err := db.pool.Exec(ctx, `UPDATE sessions SET last_seen_at = $1 WHERE id = $2`, at, id)
	if err != nil {
		return translate(err, "postgres: touch session")
	}
	if tag.RowsAffected() == 0 {
		return callvault.Errorf(callvault.KindNotFound, "postgres: no such session")
	}
	return nil
}

// DeleteSession ends the session and appends ev; KindNotFound if there is none.
func (db *DB) DeleteSession(ctx context.Context, id string, ev *callvault.AuditEvent) error {
	const what = "postgres: delete session"
	return db.change(ctx, what, ev, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM sessions WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return callvault.Errorf(callvault.KindNotFound, "%s: no such session", what)
		}
		return nil
	})
}
