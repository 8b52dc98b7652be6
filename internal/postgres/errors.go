package postgres

import (
	"context"
	"errors"
	"net"

	"github.com/callvault/callvault"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/puddle/v2"
)

// PostgreSQL error codes the catalogue translates.
const (
	codeUniqueViolation      = "23505"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
	codeLockNotAvailable     = "55P03"
	codeTooManyConnections   = "53300"
	codeAdminShutdown        = "57P01"
	codeCrashShutdown        = "57P02"
	codeCannotConnectNow     = "57P03"
)

// auditPrimaryKey is the constraint on audit_events.seq. Appends pick seq under the audit lock,
// so a violation means two appends collided (a bug or a misconfiguration), never that the
// recording or token being created exists: it must not become KindConflict, which callers
// read as "stored before" (ingest would answer 409 and drop a call).
const auditPrimaryKey = "audit_events_pkey"

// translate turns a driver error into a *callvault.Error whose message says what failed (what,
// for example "postgres: create recording"). A nil error stays nil.
func translate(err error, what string) error {
	if err == nil {
		return nil
	}
	var ce *callvault.Error
	if errors.As(err, &ce) {
		return err
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return callvault.WrapError(callvault.KindNotFound, err, what+": not found")
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case auditCollision(pgErr):
			return callvault.WrapError(callvault.KindUnavailable, err, what+": the audit log moved on concurrently; try again")
		case pgErr.Code == codeUniqueViolation:
			return callvault.WrapError(callvault.KindConflict, err, what+": already exists")
		case retryable(err):
			return callvault.WrapError(callvault.KindUnavailable, err, what+": the database is busy; try again")
		case pgErr.Code[:2] == "08", pgErr.Code == codeTooManyConnections, pgErr.Code == codeAdminShutdown,
			pgErr.Code == codeCrashShutdown, pgErr.Code == codeCannotConnectNow:
			return callvault.WrapError(callvault.KindUnavailable, err, what+": the database is unavailable")
		}
		return callvault.WrapError(callvault.KindInternal, err, what)
	}
	if unavailable(err) {
		return callvault.WrapError(callvault.KindUnavailable, err, what+": the database is unreachable")
	}
	return callvault.WrapError(callvault.KindInternal, err, what)
}

// unavailable reports whether err means the database could not be reached or the request was
// abandoned (a closed pool, a network error, a timeout or a cancelled context).
func unavailable(err error) bool {
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connectErr) || errors.As(err, &netErr) || pgconn.Timeout(err) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, puddle.ErrClosedPool) || errors.Is(err, net.ErrClosed)
}

// retryable reports whether a transaction that failed with err may simply be run again.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	switch pgErr.Code {
	case codeSerializationFailure, codeDeadlockDetected, codeLockNotAvailable:
		return true
	}
	// Running the transaction again reads the head anew.
	return auditCollision(pgErr)
}

// auditCollision reports whether pgErr is a unique violation of the audit log's sequence.
func auditCollision(pgErr *pgconn.PgError) bool {
	return pgErr.Code == codeUniqueViolation && pgErr.ConstraintName == auditPrimaryKey
}

// prefixed returns err, a *callvault.Error of the root package (a rule checked above the store),
// with what (for example "postgres: find recordings") before its message, keeping its Kind and
// cause.
func prefixed(err error, what string) error {
	var e *callvault.Error
	if !errors.As(err, &e) {
		return translate(err, what)
	}
	return callvault.PrefixError(err, what)
}
