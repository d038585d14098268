-- Indexes for the two audit reads that had none: the incident bundle's window over sonia.action_audit and the
-- operator audit looked up by operation. Each statement checks sys.indexes first: the journal runs this once, and
-- running it again changes nothing. Only indexes are added, so the previous release runs on this schema unchanged.

-- The bundle's audit window: WHERE at >= @from AND at < @to ORDER BY at, audit_id (TOP @limit). In the statement's
-- order, so the window is one range seek that stops at the limit, without a sort.
IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ix_action_audit_at' AND object_id = OBJECT_ID(N'sonia.action_audit'))
    CREATE INDEX ix_action_audit_at ON sonia.action_audit (at, audit_id);
GO

-- An operation's history, newest first: WHERE operation = @operation ORDER BY at DESC, audit_id DESC (TOP @limit).
IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ix_operator_audit_operation' AND object_id = OBJECT_ID(N'sonia.operator_audit'))
    CREATE INDEX ix_operator_audit_operation ON sonia.operator_audit (operation, at DESC, audit_id DESC);
GO
