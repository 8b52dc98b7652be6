-- The audit events of one object (a case, a recording) read by index rather than by scanning
-- the whole log: a disclosure bundle's chain of custody (callvault.AuditObjectStore).
CREATE INDEX audit_events_object ON audit_events (object, seq);
