// Package callvault is the vocabulary of the call-recording vault: recordings and their parties,
// audit events, tokens and roles, the error taxonomy, and the interfaces of the seams (catalogue
// stores, blob stores, the archive). It imports only the standard library.
//
// Adapters (internal/sqlite, internal/postgres, internal/fileblob, internal/s3blob, ...) implement
// these interfaces; services (internal/archive, internal/audit, ...) hold the rules; cmd/callvault
// wires everything together.
package callvault
