-- Indexes for the health supervisor's ledger and dead-letter checks and the diagnostics snapshot: every one of their
-- queries reads an index, so they answer in milliseconds with a hundred thousand actions and ten thousand dead letters.
-- Every statement is IF NOT EXISTS: the journal runs this once, and running it again changes nothing.

-- Unfinished actions, oldest first: the pending list in its order (no sort), and with the status included, queue depth,
-- pending counts and the oldest one's age without reading the table.
-- Partial: terminal actions (almost every row) are not in it, so it stays as small as the backlog.
CREATE INDEX IF NOT EXISTS ix_actions_unfinished ON sonia.actions (created_at, action_id) INCLUDE (status)
    WHERE status IN ('queued', 'executing', 'approved', 'awaiting_confirmation');

-- Unresolved dead letters counted by failure class without reading the table.
CREATE INDEX IF NOT EXISTS ix_dead_letters_unresolved_class ON sonia.dead_letters (failure_class)
    WHERE status = 'unresolved';
