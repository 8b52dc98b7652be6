-- The sealed sidecar document of a recording (for SIPREC, the raw metadata XML), NULL when the
-- recording has none. It is destroyed with the header when the recording is deleted.
ALTER TABLE recordings ADD COLUMN sidecar BLOB;
