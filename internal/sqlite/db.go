package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/callvault/callvault"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// busyTimeout is how long a statement waits for another process's lock before the store reports
// KindUnavailable.
const busyTimeout = 10 * time.Second

// readMmapSize is how much of the database file each read connection maps into memory.
const readMmapSize = 1 << 31

// DB is a catalogue in one SQLite database file. It is safe for concurrent use.
type DB struct {
	path string
	w    *sql.DB // one connection; every transaction BEGIN IMMEDIATE
	r    *sql.DB // read-only pool

	finds findStmts // the search statements, prepared on r
}

var (
	_ callvault.Catalogue         = (*DB)(nil)
	_ callvault.CatalogueImporter = (*DB)(nil)
	_ callvault.Compactor         = (*DB)(nil)
)

// Open opens the catalogue in the database file at path, creating the file (mode 0600) and its
// parent directory (0700) if needed, and applies any pending migrations.
func Open(ctx context.Context, path string) (*DB, error) {
	if path == "" || path == ":memory:" {
		return nil, callvault.Errorf(callvault.KindInvalid, "sqlite: a database file path is required (got %q)", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, callvault.Errorf(callvault.KindInvalid, "sqlite: bad database path %q: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, callvault.Errorf(callvault.KindUnavailable, "sqlite: create the database directory: %w", err)
	}
	// Create the file ourselves so that SQLite (and its -wal and -shm files, which copy the
	// main file's mode) never makes it readable by others.
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, callvault.Errorf(callvault.KindUnavailable, "sqlite: open the database file: %w", err)
	}
	f.Close()

	db := &DB{path: abs}
	if db.w, err = sql.Open("sqlite", dsn(abs, false)); err != nil {
		return nil, callvault.WrapError(callvault.KindInternal, err, "sqlite: open the database")
	}
	db.w.SetMaxOpenConns(1)
	db.w.SetMaxIdleConns(1)
	db.w.SetConnMaxLifetime(0)
	db.w.SetConnMaxIdleTime(0)
	if err := db.w.PingContext(ctx); err != nil {
		db.w.Close()
		return nil, translate(err, "open the database file "+abs)
	}
	if err := migrate(ctx, db.w); err != nil {
		db.w.Close()
		return nil, err
	}
	if db.r, err = sql.Open("sqlite", dsn(abs, true)); err != nil {
		db.w.Close()
		return nil, callvault.WrapError(callvault.KindInternal, err, "sqlite: open the database")
	}
	db.r.SetMaxOpenConns(4)
	db.r.SetMaxIdleConns(4)
	return db, nil
}

// dsn returns the connection string for the database at the absolute path. Pragmas are set on
// every new connection by the driver.
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(1)")
	// Deleted content is overwritten with zeros, in the table's pages and in freed pages, so
	// that crypto-shredding (header = NULL) leaves no copy of the wrapped file key in the file.
	q.Add("_pragma", "secure_delete(ON)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
		// Searches read recordings by primary key all over a large file: mapped pages are read
		// without a system call and a copy each (SQLite caps the size at its compile-time
		// maximum, 2 GiB by default; the rest of a larger file is read as before).
		q.Add("_pragma", fmt.Sprintf("mmap_size(%d)", readMmapSize))
	} else {
		q.Set("_txlock", "immediate")
	}
	u := url.URL{Scheme: "file", Path: path, RawQuery: q.Encode()}
	return u.String()
}

// Path returns the absolute path of the database file.
func (db *DB) Path() string { return db.path }

// Ping reports whether the database can be queried; KindUnavailable if not.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	if err := db.r.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return callvault.WrapError(callvault.KindUnavailable, err, "sqlite: the catalogue database is unavailable")
	}
	return nil
}

// Close closes the database. A checkpoint of the WAL into the main file happens as the last
// connection closes.
func (db *DB) Close() error {
	db.finds.close()
	return errors.Join(db.r.Close(), db.w.Close())
}

// write runs fn in an IMMEDIATE transaction on the write connection and commits it. Errors from
// fn are returned as they are when they are already *callvault.Error, translated otherwise.
func (db *DB) write(ctx context.Context, what string, fn func(tx *sql.Tx) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return translate(err, what)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return translate(err, what)
	}
	if err := tx.Commit(); err != nil {
		return translate(err, what)
	}
	return nil
}

// Compact checkpoints the write-ahead log into the database file and truncates it. With
// secure_delete on, the pages a deletion rewrote are zeroed where the content was, but the log
// still holds the earlier images of those pages (the header as inserted) until a checkpoint
// has copied the new images over the file and the log is emptied. KindUnavailable if a reader
// kept the log busy past the busy timeout.
func (db *DB) Compact(ctx context.Context) error {
	var busy, logFrames, checkpointed int
	if err := db.w.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &checkpointed); err != nil {
		return translate(err, "checkpoint the write-ahead log")
	}
	if busy != 0 {
		return callvault.Errorf(callvault.KindUnavailable,
			"sqlite: checkpoint the write-ahead log: readers kept it busy (%d of %d frames copied); the next retention run retries it", checkpointed, logFrames)
	}
	return nil
}
