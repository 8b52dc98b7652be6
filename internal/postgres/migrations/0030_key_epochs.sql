-- Key epochs (callvault.EpochStore): the record of destroyed epochs, and an index to find the
-- live recordings sealed to an epoch (an epoch is destroyed only when it has none). The
-- recipients of epochs are in vault_keys; no private key is ever stored in the catalogue.
CREATE TABLE epoch_destructions (
	epoch        text        NOT NULL PRIMARY KEY,
	recipient    text        NOT NULL,
	destroyed_at timestamptz NOT NULL
);
CREATE INDEX recordings_live_key_epoch ON recordings (key_epoch, id) WHERE deleted_at IS NULL;
