package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/callvault/callvault"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// translate turns a driver error into a *callvault.Error at the package boundary. Errors that
// already are *callvault.Error pass unchanged; what names the operation for the message.
func translate(err error, what string) error {
	if err == nil {
		return nil
	}
	var ce *callvault.Error
	if errors.As(err, &ce) {
		return err
	}
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return callvault.WrapError(callvault.KindUnavailable, err, "sqlite: "+what+": request cancelled or timed out")
	case errors.Is(err, sql.ErrConnDone):
		return callvault.WrapError(callvault.KindUnavailable, err, "sqlite: "+what+": database connection closed")
	case errors.Is(err, sql.ErrNoRows):
		return callvault.WrapError(callvault.KindNotFound, err, "sqlite: "+what+": not found")
	}
	if err.Error() == "sql: database is closed" {
		return callvault.WrapError(callvault.KindUnavailable, err, "sqlite: "+what+": the catalogue is closed")
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		code := se.Code()
		switch {
		case code == sqlite3.SQLITE_CONSTRAINT_UNIQUE, code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return callvault.WrapError(callvault.KindConflict, err, "sqlite: "+what+": already exists")
		case code&0xff == sqlite3.SQLITE_BUSY, code&0xff == sqlite3.SQLITE_LOCKED:
			return callvault.WrapError(callvault.KindUnavailable, err,
				"sqlite: "+what+": the database stayed locked by another process; retry later")
		case code&0xff == sqlite3.SQLITE_FULL:
			return callvault.WrapError(callvault.KindUnavailable, err, "sqlite: "+what+": disk full")
		case code&0xff == sqlite3.SQLITE_CANTOPEN, code&0xff == sqlite3.SQLITE_IOERR,
			code&0xff == sqlite3.SQLITE_READONLY, code&0xff == sqlite3.SQLITE_PERM:
			return callvault.WrapError(callvault.KindUnavailable, err, "sqlite: "+what+": cannot read or write the database file")
		}
	}
	return callvault.WrapError(callvault.KindInternal, err, "sqlite: "+what)
}

// notFound is the KindNotFound error for a missing object.
func notFound(format string, args ...any) error {
	return callvault.Errorf(callvault.KindNotFound, "sqlite: "+format, args...)
}

// prefixed returns err, a *callvault.Error of the root package (a rule checked above the store),
// with "sqlite: what: " before its message, keeping its Kind and cause.
func prefixed(err error, what string) error {
	var e *callvault.Error
	if !errors.As(err, &e) {
		return translate(err, what)
	}
	return callvault.PrefixError(err, "sqlite: "+what)
}
