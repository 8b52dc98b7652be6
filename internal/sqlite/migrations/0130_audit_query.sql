-- The auditor's filters, the DPO's PCI alerts and the compliance report's month figures read
-- the audit log through these indexes rather than by scanning it (callvault.AuditQueryStore):
-- the events of one action or one actor in seq order, and the seq window of a time range
-- (the rowid, seq, is in every index, so the window is read from the index alone).
CREATE INDEX audit_events_action ON audit_events (action, seq);
CREATE INDEX audit_events_actor ON audit_events (actor, seq);
CREATE INDEX audit_events_time ON audit_events (time_us);
