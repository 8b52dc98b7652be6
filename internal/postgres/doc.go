// Package postgres is the scale-out callvault.Catalogue on PostgreSQL (pgx, pgxpool).
//
// Several callvault nodes may share one database: schema migrations run under an advisory lock,
// audit appends are serialised by a transaction-scoped advisory lock so that all nodes extend one
// unbroken hash chain, and leases compare expiry times with the database's clock, never a node's.
// Its behaviour matches internal/sqlite; both run the conformance suite in internal/storetest.
package postgres
