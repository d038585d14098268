using Sonia.Hosting.Database;

namespace Sonia.Grains.Retention;

/// <summary>
/// The purge statements, one implementation per dialect (indexes in migration 0004). Each deletes at most @batch rows,
/// oldest first, and answers how many it deleted.
/// </summary>
public abstract class RetentionSql
{
    /// <summary>The states no transition leaves (<see cref="Interfaces.Actions.ActionStatuses.IsTerminal"/>), as in ix_actions_terminal.</summary>
    protected const string Terminal = "('succeeded', 'denied', 'expired', 'dead_lettered')";

    public static RetentionSql For(DatabaseProvider provider) => provider switch
    {
        DatabaseProvider.PostgreSql => new PostgreSqlRetentionSql(),
        DatabaseProvider.SqlServer => new SqlServerRetentionSql(),
        _ => throw new InvalidOperationException($"Unknown database provider {provider}."),
    };

    /// <summary>Replayed and discarded dead letters resolved before @cutoff; unresolved ones never.</summary>
    public abstract string PurgeDeadLetters { get; }

    /// <summary>
    /// Terminal actions that ended before @cutoff, with their audit and attempt rows, in one transaction. An action any
    /// dead letter still points to is kept: an unresolved one forever, a resolved one until the dead letter is purged.
    /// </summary>
    public abstract string PurgeActions { get; }

    /// <summary>The built-in executor's records older than @cutoff whose key no action uses any more (replays share keys).</summary>
    public abstract string PurgeExecutions { get; }

    /// <summary>Grain-state rows of @grain_type in @service_id last written before @cutoff.</summary>
    public abstract string PurgeGrainState { get; }

    public IEnumerable<string> All() => [PurgeDeadLetters, PurgeActions, PurgeExecutions, PurgeGrainState];
}

public sealed class PostgreSqlRetentionSql : RetentionSql
{
    public override string PurgeDeadLetters =>
        "WITH gone AS (DELETE FROM sonia.dead_letters WHERE dlq_id IN (SELECT dlq_id FROM sonia.dead_letters " +
        "WHERE status <> 'unresolved' AND resolved_at < @cutoff ORDER BY resolved_at LIMIT @batch) RETURNING 1) SELECT COUNT(*) FROM gone";

    // Child rows go in the same statement; the foreign keys are checked at its end, when they are gone too.
    public override string PurgeActions =>
        "WITH doomed AS (SELECT a.action_id FROM sonia.actions a " +
        $"WHERE a.status IN {Terminal} AND a.updated_at < @cutoff " +
        "AND NOT EXISTS (SELECT 1 FROM sonia.dead_letters d WHERE d.action_id = a.action_id) " +
        "ORDER BY a.updated_at LIMIT @batch FOR UPDATE SKIP LOCKED), " +
        "audit AS (DELETE FROM sonia.action_audit WHERE action_id IN (SELECT action_id FROM doomed)), " +
        "attempts AS (DELETE FROM sonia.action_attempts WHERE action_id IN (SELECT action_id FROM doomed)), " +
        "gone AS (DELETE FROM sonia.actions WHERE action_id IN (SELECT action_id FROM doomed) RETURNING 1) " +
        "SELECT COUNT(*) FROM gone";

    public override string PurgeExecutions =>
        "WITH gone AS (DELETE FROM sonia.executions WHERE idempotency_key IN (SELECT e.idempotency_key FROM sonia.executions e " +
        "WHERE e.executed_at < @cutoff AND NOT EXISTS (SELECT 1 FROM sonia.actions a WHERE a.idempotency_key = e.idempotency_key) " +
        "ORDER BY e.executed_at LIMIT @batch) RETURNING 1) SELECT COUNT(*) FROM gone";

    public override string PurgeGrainState =>
        "WITH gone AS (DELETE FROM public.orleansstorage WHERE ctid = ANY(ARRAY(SELECT ctid FROM public.orleansstorage " +
        "WHERE serviceid = @service_id AND graintypestring = @grain_type AND modifiedon < @cutoff ORDER BY modifiedon LIMIT @batch)) " +
        "AND modifiedon < @cutoff RETURNING 1) SELECT COUNT(*) FROM gone";
}

public sealed class SqlServerRetentionSql : RetentionSql
{
    public override string PurgeDeadLetters =>
        "DELETE TOP (@batch) FROM sonia.dead_letters WHERE status <> 'unresolved' AND resolved_at < @cutoff; SELECT @@ROWCOUNT;";

    // Children first, then the actions, in one transaction; READPAST skips rows a writer holds.
    public override string PurgeActions =>
        "SET XACT_ABORT ON; BEGIN TRANSACTION; " +
        "DECLARE @doomed TABLE (action_id varchar(40) NOT NULL PRIMARY KEY); " +
        "INSERT INTO @doomed (action_id) SELECT TOP (@batch) a.action_id FROM sonia.actions a WITH (UPDLOCK, READPAST) " +
        $"WHERE a.status IN {Terminal} AND a.updated_at < @cutoff " +
        "AND NOT EXISTS (SELECT 1 FROM sonia.dead_letters d WHERE d.action_id = a.action_id) ORDER BY a.updated_at; " +
        "DELETE FROM sonia.action_audit WHERE action_id IN (SELECT action_id FROM @doomed); " +
        "DELETE FROM sonia.action_attempts WHERE action_id IN (SELECT action_id FROM @doomed); " +
        "DELETE FROM sonia.actions WHERE action_id IN (SELECT action_id FROM @doomed); " +
        "COMMIT TRANSACTION; SELECT COUNT(*) FROM @doomed;";

    public override string PurgeExecutions =>
        "DELETE TOP (@batch) FROM sonia.executions WHERE executed_at < @cutoff " +
        "AND NOT EXISTS (SELECT 1 FROM sonia.actions a WHERE a.idempotency_key = sonia.executions.idempotency_key); SELECT @@ROWCOUNT;";

    public override string PurgeGrainState =>
        "DELETE TOP (@batch) FROM dbo.OrleansStorage WHERE ServiceId = @service_id AND GrainTypeString = @grain_type " +
        "AND ModifiedOn < @cutoff; SELECT @@ROWCOUNT;";
}
