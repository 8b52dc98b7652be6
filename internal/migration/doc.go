// Package migration moves a vault between stores (an embedded installation to PostgreSQL and
// S3): the record of its keys, every live recording with its encrypted blob (each hash
// verified), the tombstones of deleted recordings, users, requests and delegations, and the
// whole audit log with its checkpoints. It is idempotent, so an interrupted run is resumed by
// running it again, and it ends by verifying the target as `callvault audit verify` would.
package migration
