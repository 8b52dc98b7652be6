package postgres

import (
	"context"

	"github.com/callvault/callvault"
	"github.com/jackc/pgx/v5"
)

// HoldsCatalogue reports whether the database at url (the first schema of its search_path)
// holds a callvault catalogue already, changing nothing: `callvault restore` asks before it
// opens a database that pg_restore should have filled, because Open would create an empty
// catalogue in an empty database (and pg_restore into it would then fail). Errors: KindInvalid
// for a malformed URL, KindUnavailable when the database cannot be reached; they never name the
// password.
func HoldsCatalogue(ctx context.Context, url string) (bool, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return false, callvault.WrapError(callvault.KindInvalid, redact(err, url), "postgres: the database URL is malformed")
	}
	redactor := newRedactor(url, cfg.Password)
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = defaultConnectTimeout
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return false, callvault.WrapError(callvault.KindUnavailable, redactor.wrap(err), "postgres: cannot connect to the database")
	}
	defer conn.Close(ctx)
	var holds bool
	if err := conn.QueryRow(ctx, "SELECT to_regclass('schema_migrations') IS NOT NULL").Scan(&holds); err != nil {
		return false, callvault.WrapError(callvault.KindUnavailable, redactor.wrap(err), "postgres: cannot read the database's tables")
	}
	return holds, nil
}
