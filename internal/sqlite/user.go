package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/callvault/callvault"
)

var _ callvault.PeopleStore = (*DB)(nil)

// optMicros stores an optional time; nil is NULL.
func optMicros(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMicro(), Valid: true}
}

// optTime reads an optional time.
func optTime(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := fromMicros(n.Int64)
	return &t
}

func jsonList[T any](v []T) string {
	if len(v) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

const userColumns = `id, name, email, roles, password_hash, setup_hash, setup_expires, totp_secret,
	totp_confirmed_at, totp_last_step, recovery_hashes, failed_logins, locked_until,
	session_epoch, notice_version, notice_ack_at, created_at, disabled_at, version`

func userArgs(u *callvault.User) []any {
	var setup sql.NullString
	if u.SetupHash != "" {
		setup = sql.NullString{String: u.SetupHash, Valid: true}
	}
	return []any{u.ID, u.Name, u.Email, jsonList(u.Roles), u.PasswordHash, setup, optMicros(u.SetupExpires),
		u.TOTPSecret, optMicros(u.TOTPConfirmedAt), u.TOTPLastStep, jsonList(u.RecoveryHashes), u.FailedLogins,
		optMicros(u.LockedUntil), u.SessionEpoch, u.NoticeVersion, optMicros(u.NoticeAckAt),
		micros(u.CreatedAt), optMicros(u.DisabledAt), u.Version}
}

func scanUser(s scanner) (*callvault.User, error) {
	var (
		u                                         callvault.User
		roles, recovery                           string
		setup                                     sql.NullString
		setupExp, totpAt, locked, ackAt, disabled sql.NullInt64
		created                                   int64
	)
	err := s.Scan(&u.ID, &u.Name, &u.Email, &roles, &u.PasswordHash, &setup, &setupExp, &u.TOTPSecret,
		&totpAt, &u.TOTPLastStep, &recovery, &u.FailedLogins, &locked, &u.SessionEpoch, &u.NoticeVersion, &ackAt,
		&created, &disabled, &u.Version)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(roles), &u.Roles); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(recovery), &u.RecoveryHashes); err != nil {
		return nil, err
	}
	u.SetupHash = setup.String
	u.SetupExpires, u.TOTPConfirmedAt, u.LockedUntil = optTime(setupExp), optTime(totpAt), optTime(locked)
	u.NoticeAckAt, u.DisabledAt = optTime(ackAt), optTime(disabled)
	u.CreatedAt = fromMicros(created)
	return &u, nil
}

func insertUser(ctx context.Context, tx *sql.Tx, u *callvault.User) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO users (`+userColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, userArgs(u)...)
	if callvault.IsKind(translate(err, ""), callvault.KindConflict) {
		return callvault.WrapError(callvault.KindConflict, err, "sqlite: a user with this name already exists")
	}
	return err
}

// CreateUser inserts u and ev; KindConflict if the ID or name is taken.
func (db *DB) CreateUser(ctx context.Context, u *callvault.User, ev *callvault.AuditEvent) error {
	if u == nil || ev == nil {
		return callvault.Errorf(callvault.KindInvalid, "sqlite: create user: a user and its audit event are required")
	}
	if err := u.Validate(); err != nil {
		return prefixed(err, "create user")
	}
	return db.appendWith(ctx, "create user", ev, func(tx *sql.Tx) error { return insertUser(ctx, tx, u) })
}

// CreateFirstUser inserts u and ev only if there is no user; KindConflict otherwise.
func (db *DB) CreateFirstUser(ctx context.Context, u *callvault.User, ev *callvault.AuditEvent) error {
	if u == nil || ev == nil {
		return callvault.Errorf(callvault.KindInvalid, "sqlite: create first user: a user and its audit event are required")
	}
	if err := u.Validate(); err != nil {
		return prefixed(err, "create first user")
	}
	return db.appendWith(ctx, "create first user", ev, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return callvault.Errorf(callvault.KindConflict, "sqlite: the vault has users already; the bootstrap link is spent")
		}
		return insertUser(ctx, tx, u)
	})
}

func (db *DB) userWhere(ctx context.Context, what, where string, arg any) (*callvault.User, error) {
	u, err := scanUser(db.r.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("no such user")
	}
	return u, translate(err, what)
}

// User returns the user with id, or KindNotFound.
func (db *DB) User(ctx context.Context, id string) (*callvault.User, error) {
	return db.userWhere(ctx, "read user", "id = ?", id)
}

// UserByName returns the user named name, or KindNotFound.
func (db *DB) UserByName(ctx context.Context, name string) (*callvault.User, error) {
	return db.userWhere(ctx, "read user", "name = ?", name)
}

// UserBySetupHash returns the user whose set-password link hashes to hash, or KindNotFound.
func (db *DB) UserBySetupHash(ctx context.Context, hash string) (*callvault.User, error) {
	if hash == "" {
		return nil, notFound("no such link")
	}
	return db.userWhere(ctx, "read user", "setup_hash = ?", hash)
}

// Users returns every user ordered by name.
func (db *DB) Users(ctx context.Context) ([]*callvault.User, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY name`)
	if err != nil {
		return nil, translate(err, "list users")
	}
	defer rows.Close()
	var out []*callvault.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, translate(err, "list users")
		}
		out = append(out, u)
	}
	return out, translate(rows.Err(), "list users")
}

// UpdateUser writes u if its Version is the stored one, then increments u.Version.
func (db *DB) UpdateUser(ctx context.Context, u *callvault.User, ev *callvault.AuditEvent) error {
	if u == nil || ev == nil {
		return callvault.Errorf(callvault.KindInvalid, "sqlite: update user: a user and its audit event are required")
	}
	if err := u.Validate(); err != nil {
		return prefixed(err, "update user")
	}
	err := db.appendWith(ctx, "update user", ev, func(tx *sql.Tx) error {
		a := userArgs(u)
		res, err := tx.ExecContext(ctx, `UPDATE users SET email = ?, roles = ?, password_hash = ?, setup_hash = ?,
			setup_expires = ?, totp_secret = ?, totp_confirmed_at = ?, totp_last_step = ?, recovery_hashes = ?,
			failed_logins = ?, locked_until = ?, session_epoch = ?, notice_version = ?, notice_ack_at = ?,
			disabled_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
			a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15], a[17], u.ID, u.Version)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			var one int
			if err := tx.QueryRowContext(ctx, `SELECT 1 FROM users WHERE id = ?`, u.ID).Scan(&one); errors.Is(err, sql.ErrNoRows) {
				return notFound("no user with ID %q", u.ID)
			}
			return callvault.Errorf(callvault.KindConflict, "sqlite: user %s was changed meanwhile; read it again", u.Name)
		}
		return nil
	})
	if err == nil {
		u.Version++
	}
	return err
}
