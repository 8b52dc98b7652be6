package postgres

import (
	"context"
	"hash/fnv"
	"net"
	"strconv"
	"time"

	"github.com/callvault/callvault"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DB is a catalogue on a PostgreSQL database. It is safe for concurrent use, and several DBs
// (in one process or on several nodes) may share one database.
type DB struct {
	pool *pgxpool.Pool
	// auditLock and migrateLock are the keys of the advisory locks that serialise audit appends
	// and migrations; they are derived from the schema so that catalogues in different schemas
	// of one database do not wait for each other.
	auditLock   int64
	migrateLock int64
}

var (
	_ callvault.Catalogue         = (*DB)(nil)
	_ callvault.CatalogueImporter = (*DB)(nil)
)

// defaultConnectTimeout bounds each connection attempt when the URL sets no connect_timeout.
const defaultConnectTimeout = 10 * time.Second

// sessionDefaults are runtime parameters set on every connection unless the URL sets them. Audit
// appends from every node take turns under one advisory lock, so a node that stops mid-
// transaction (a network partition, a paused VM) must not stall every other node's appends
// for ever:
//   - idle_in_transaction_session_timeout ends the session of a node that went quiet inside a
//     transaction (our transactions never wait on anything but the database), which releases
//     its locks;
//   - lock_timeout bounds a wait for a lock; it is longer than the idle timeout so that waiters
//     outlast a dead holder instead of failing first, and a timed-out wait is retried (55P03);
//   - statement_timeout is generous (queries take milliseconds; whole-vault walks are paged)
//     and only stops a runaway statement. Schema migrations lift it for themselves.
var sessionDefaults = map[string]string{
	"idle_in_transaction_session_timeout": "20s",
	"lock_timeout":                        "30s",
	"statement_timeout":                   "5min",
}

// Open connects to the database at url (postgres://user:password@host:port/db?sslmode=...;
// pool settings such as pool_max_conns and runtime parameters such as search_path are accepted;
// sessionDefaults apply unless the URL sets them),
// applies pending schema migrations and returns the catalogue. It returns KindInvalid for a
// malformed URL and KindUnavailable when the database cannot be reached. Errors name the host and
// port, never the password.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx masks the password in parse errors; redact it again in case a future version does not.
		return nil, callvault.WrapError(callvault.KindInvalid, redact(err, url),
			"postgres: the database URL is malformed")
	}
	redactor := newRedactor(url, cfg.ConnConfig.Password)
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = defaultConnectTimeout
	}
	for k, v := range sessionDefaults {
		if _, set := cfg.ConnConfig.RuntimeParams[k]; !set {
			cfg.ConnConfig.RuntimeParams[k] = v
		}
	}
	addr := net.JoinHostPort(cfg.ConnConfig.Host, strconv.Itoa(int(cfg.ConnConfig.Port)))
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, callvault.WrapError(callvault.KindUnavailable, redactor.wrap(err),
			"postgres: cannot connect to "+addr)
	}
	db := &DB{pool: pool}
	var schema *string
	if err := pool.QueryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		pool.Close()
		return nil, callvault.WrapError(callvault.KindUnavailable, redactor.wrap(err),
			"postgres: cannot connect to "+addr)
	}
	if schema == nil {
		pool.Close()
		return nil, callvault.Errorf(callvault.KindInvalid,
			"postgres: no schema of the search_path exists in the database at %s", addr)
	}
	db.auditLock = lockKey(*schema, "audit")
	db.migrateLock = lockKey(*schema, "migrate")
	if err := db.migrate(ctx); err != nil {
		pool.Close()
		return nil, redactor.wrap(err)
	}
	return db, nil
}

// lockKey returns the advisory lock key of purpose in schema.
func lockKey(schema, purpose string) int64 {
	h := fnv.New64a()
	h.Write([]byte("callvault\x00" + schema + "\x00" + purpose))
	return int64(h.Sum64())
}

// Ping reports whether the database is reachable.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.pool.Ping(ctx); err != nil {
		return callvault.WrapError(callvault.KindUnavailable, err, "postgres: the database is unreachable")
	}
	return nil
}

// Close closes the pool, waiting for connections in use to be returned.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}
