-- The public halves of the vault's keys (callvault.VaultKey): the recipient of each key epoch
-- and the audit verify key. Every node checks the keys it was given against these rows. No
-- private key is ever stored in the catalogue.
CREATE TABLE vault_keys (
	kind       text        NOT NULL,
	epoch      text        NOT NULL,
	public     text        NOT NULL,
	created_at timestamptz NOT NULL,
	PRIMARY KEY (kind, epoch)
);
