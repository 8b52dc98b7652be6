// Package callvault is the vocabulary of the call-recording vault: recordings and their parties,
// audit events, tokens and roles, the error taxonomy, and the interfaces of the seams (catalogue
// stores, blob stores, the archive). It imports only the standard library, with one exception:
// golang.org/x/text/unicode/norm, from the Go project's own extended library, for the Unicode
// normalisation (NFKD, NFC) of names in NormalizeName. The fold of a searchable name is a rule of the
// vocabulary that every store and every search must apply alike; keeping it here, beside
// Subject and RecordingFilter, is what makes it one rule rather than one per adapter.
//
// Adapters (internal/sqlite, internal/postgres, internal/fileblob, internal/s3blob, ...) implement
// these interfaces; services (internal/archive, internal/audit, ...) hold the rules; cmd/callvault
// wires everything together.
package callvault
