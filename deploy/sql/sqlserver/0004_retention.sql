-- Indexes for walking the dead-letter queue oldest first and for the retention purge (Sonia:Retention).
-- Every statement checks sys.indexes first: the journal runs this once, and running it again changes nothing.

-- Batch replay pages through the queue by keyset over (created_at, dlq_id), oldest first.
IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ix_dead_letters_replay' AND object_id = OBJECT_ID(N'sonia.dead_letters'))
    CREATE INDEX ix_dead_letters_replay ON sonia.dead_letters (created_at, dlq_id);
GO

-- Resolved dead letters past Sonia:Actions:DeadLetterRetention, oldest resolution first; unresolved ones never.
IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ix_dead_letters_resolved' AND object_id = OBJECT_ID(N'sonia.dead_letters'))
    CREATE INDEX ix_dead_letters_resolved ON sonia.dead_letters (resolved_at) WHERE status <> 'unresolved';
GO

-- Terminal actions past Sonia:Retention:TerminalActions, by the time they ended (their last update).
IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ix_actions_terminal' AND object_id = OBJECT_ID(N'sonia.actions'))
    CREATE INDEX ix_actions_terminal ON sonia.actions (updated_at)
        WHERE status IN ('succeeded', 'denied', 'expired', 'dead_lettered');
GO

-- Every action of a key, replays included: an execution record is kept while any action still uses its key.
IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ix_actions_idempotency_all' AND object_id = OBJECT_ID(N'sonia.actions'))
    CREATE INDEX ix_actions_idempotency_all ON sonia.actions (idempotency_key);
GO

-- Execution records left by purged actions, oldest first.
IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ix_executions_executed' AND object_id = OBJECT_ID(N'sonia.executions'))
    CREATE INDEX ix_executions_executed ON sonia.executions (executed_at);
GO

-- Idle sessions: grain-state rows of one state name whose last write is older than the retention.
-- Key size: 300 + 400 + 8 bytes, within the 1700-byte nonclustered key limit.
IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ix_orleansstorage_idle' AND object_id = OBJECT_ID(N'dbo.OrleansStorage'))
    CREATE INDEX ix_orleansstorage_idle ON dbo.OrleansStorage (ServiceId, GrainTypeString, ModifiedOn);
GO
