// Package sqlite is the default callvault catalogue, on an embedded SQLite database
// (modernc.org/sqlite, pure Go).
//
// The database runs in WAL mode with synchronous=FULL, so a commit is on disk before a call
// returns. All writes go through one connection and every write transaction begins IMMEDIATE, so
// concurrent writers (goroutines of this process, or other processes on the same file) serialise
// and the audit chain cannot fork. Reads use a separate, read-only pool.
//
// Times are stored as INTEGER microseconds since the Unix epoch in UTC; list-valued fields of a
// recording are JSON text. The schema is created by the embedded migrations in migrations/,
// applied at Open. Databases in the field have applied them, so a migration is never edited once
// released: a schema change is a new, higher-numbered file.
package sqlite
