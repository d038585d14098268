-- Indexes for the health supervisor's ledger and dead-letter checks and the diagnostics snapshot: every one of their
-- queries reads an index, so they answer in milliseconds with a hundred thousand actions and ten thousand dead letters.
-- Every statement checks sys.indexes first: the journal runs this once, and running it again changes nothing.

-- Unfinished actions, oldest first: the pending list in its order (no sort), and with the status included, queue depth,
-- pending counts and the oldest one's age without reading the table.
-- Filtered: terminal actions (almost every row) are not in it, so it stays as small as the backlog.
IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ix_actions_unfinished' AND object_id = OBJECT_ID(N'sonia.actions'))
    CREATE INDEX ix_actions_unfinished ON sonia.actions (created_at, action_id) INCLUDE (status)
        WHERE status IN ('queued', 'executing', 'approved', 'awaiting_confirmation');
GO

-- Unresolved dead letters counted by failure class without reading the table.
IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ix_dead_letters_unresolved_class' AND object_id = OBJECT_ID(N'sonia.dead_letters'))
    CREATE INDEX ix_dead_letters_unresolved_class ON sonia.dead_letters (failure_class) WHERE status = 'unresolved';
GO
