-- Indexes for the two audit reads that had none: the incident bundle's window over sonia.action_audit and the
-- operator audit looked up by operation. Each is IF NOT EXISTS: the journal runs this once, and running it again
-- changes nothing. Only indexes are added, so the previous release runs on this schema unchanged.

-- The bundle's audit window: WHERE at >= @from AND at < @to ORDER BY at, audit_id LIMIT @limit. In the statement's
-- order, so the window is one range read that stops at the limit, without a sort.
CREATE INDEX IF NOT EXISTS ix_action_audit_at ON sonia.action_audit (at, audit_id);

-- An operation's history, newest first: WHERE operation = @operation ORDER BY at DESC, audit_id DESC LIMIT @limit.
CREATE INDEX IF NOT EXISTS ix_operator_audit_operation ON sonia.operator_audit (operation, at DESC, audit_id DESC);
