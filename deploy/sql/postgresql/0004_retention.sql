-- Indexes for walking the dead-letter queue oldest first and for the retention purge (Sonia:Retention).
-- Every statement is IF NOT EXISTS: the journal runs this once, and running it again changes nothing.

-- Batch replay pages through the queue by keyset over (created_at, dlq_id), oldest first.
CREATE INDEX IF NOT EXISTS ix_dead_letters_replay ON sonia.dead_letters (created_at, dlq_id);

-- Resolved dead letters past Sonia:Actions:DeadLetterRetention, oldest resolution first; unresolved ones never.
CREATE INDEX IF NOT EXISTS ix_dead_letters_resolved ON sonia.dead_letters (resolved_at) WHERE status <> 'unresolved';

-- Terminal actions past Sonia:Retention:TerminalActions, by the time they ended (their last update).
CREATE INDEX IF NOT EXISTS ix_actions_terminal ON sonia.actions (updated_at)
    WHERE status IN ('succeeded', 'denied', 'expired', 'dead_lettered');

-- Every action of a key, replays included: an execution record is kept while any action still uses its key.
CREATE INDEX IF NOT EXISTS ix_actions_idempotency_all ON sonia.actions (idempotency_key);

-- Execution records left by purged actions, oldest first.
CREATE INDEX IF NOT EXISTS ix_executions_executed ON sonia.executions (executed_at);

-- Idle sessions: grain-state rows of one state name whose last write is older than the retention.
CREATE INDEX IF NOT EXISTS ix_orleansstorage_idle ON public.orleansstorage (serviceid, graintypestring, modifiedon);
