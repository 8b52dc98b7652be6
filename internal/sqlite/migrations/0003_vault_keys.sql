-- The public halves of the vault's keys (callvault.VaultKey): the recipient of each key epoch
-- and the audit verify key. Every node checks the keys it was given against these rows. No
-- private key is ever stored in the catalogue.
CREATE TABLE vault_keys (
	kind       TEXT    NOT NULL,
	epoch      TEXT    NOT NULL,
	public     TEXT    NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (kind, epoch)
);
