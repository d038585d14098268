using Sonia.Hosting.Database;

namespace Sonia.Grains.Actions.Ledger;

/// <summary>Every statement the action ledger runs, one implementation per dialect; parameters are named, never spliced.</summary>
public abstract class LedgerSql
{
    public const string ActionColumns =
        "action_id, session_id, tool, args, args_hash, request_hash, idempotency_key, status, requires_confirmation, attempts, " +
        "failure_class, error, result, correlation_id, replay_of, dlq_id, created_at, updated_at, expires_at, next_attempt_at, lease_until, version, " +
        "submitted_by, lease_owner";

    public static LedgerSql For(DatabaseProvider provider) => provider switch
    {
        DatabaseProvider.PostgreSql => new PostgreSqlLedgerSql(),
        DatabaseProvider.SqlServer => new SqlServerLedgerSql(),
        _ => throw new InvalidOperationException($"Unknown database provider {provider}."),
    };

    public string InsertAction =>
        $"INSERT INTO sonia.actions ({ActionColumns}) VALUES (@action_id, @session_id, @tool, @args, @args_hash, @request_hash, " +
        "@idempotency_key, @status, @requires_confirmation, @attempts, @failure_class, @error, @result, @correlation_id, @replay_of, " +
        "@dlq_id, @created_at, @updated_at, @expires_at, @next_attempt_at, @lease_until, @version, @submitted_by, @lease_owner)";

    public string UpdateAction =>
        "UPDATE sonia.actions SET status = @status, attempts = @attempts, failure_class = @failure_class, error = @error, " +
        "result = @result, dlq_id = @dlq_id, updated_at = @updated_at, expires_at = @expires_at, next_attempt_at = @next_attempt_at, " +
        "lease_until = @lease_until, lease_owner = @lease_owner, version = @version WHERE action_id = @action_id AND version = @expected_version";

    public string InsertAudit =>
        "INSERT INTO sonia.action_audit (action_id, from_status, to_status, at, actor, correlation_id, detail) " +
        "VALUES (@action_id, @from_status, @to_status, @at, @actor, @correlation_id, @detail)";

    public abstract string UpsertAttempt { get; }

    public string InsertDeadLetter =>
        "INSERT INTO sonia.dead_letters (dlq_id, action_id, correlation_id, failure_class, error_type, error_message, attempts, tool, " +
        "args, idempotency_key, status, created_at) VALUES (@dlq_id, @action_id, @correlation_id, @failure_class, @error_type, " +
        "@error_message, @attempts, @tool, @args, @idempotency_key, 'unresolved', @created_at)";

    public string SelectAction => $"SELECT {ActionColumns} FROM sonia.actions WHERE action_id = @action_id";

    public string SelectSubmission =>
        $"SELECT {ActionColumns} FROM sonia.actions WHERE idempotency_key = @idempotency_key AND replay_of IS NULL";

    public string SelectAudit =>
        "SELECT from_status, to_status, at, actor, correlation_id, detail FROM sonia.action_audit WHERE action_id = @action_id ORDER BY audit_id";

    public string SelectAttempts =>
        "SELECT attempt, started_at, finished_at, outcome, failure_class, error FROM sonia.action_attempts WHERE action_id = @action_id ORDER BY attempt";

    /// <summary>
    /// Newest first; @status, @session_id and @submitted_by NULL mean "any". With @submitted_by, what the assistant proposed
    /// for that key (@assistant_by, <c>assistant:&lt;key&gt;</c>) is listed too.
    /// </summary>
    public abstract string ListActions { get; }

    /// <summary>Unfinished actions whose lease ran out, and confirmations past their deadline.</summary>
    public abstract string SelectRecoverable { get; }

    /// <summary>The silo instances that hold leases of unfinished actions.</summary>
    public string SelectLeaseOwners =>
        "SELECT DISTINCT lease_owner FROM sonia.actions WHERE lease_owner IS NOT NULL AND status IN ('queued', 'executing', 'approved')";

    /// <summary>Unfinished actions leased by one silo instance (one that membership says is dead).</summary>
    public abstract string SelectLeasedBy { get; }

    /// <summary>Records an idempotency key for the built-in executor; one row affected means "first time".</summary>
    public abstract string ClaimExecution { get; }

    public string SelectExecution => "SELECT result FROM sonia.executions WHERE idempotency_key = @idempotency_key";

    public string UpdateExecutionResult => "UPDATE sonia.executions SET result = @result WHERE idempotency_key = @idempotency_key";

    public string InsertMemory =>
        "INSERT INTO sonia.memories (memory_id, session_id, text, tags, created_at, correlation_id) " +
        "VALUES (@memory_id, @session_id, @text, @tags, @created_at, @correlation_id)";

    public string DeleteMemory => "DELETE FROM sonia.memories WHERE memory_id = @memory_id";

    public const string DeadLetterColumns =
        "dlq_id, action_id, correlation_id, failure_class, error_type, error_message, attempts, tool, args, idempotency_key, status, " +
        "created_at, resolved_at, resolved_by, resolution_reason, replay_action_id";

    public string SelectDeadLetter => $"SELECT {DeadLetterColumns} FROM sonia.dead_letters WHERE dlq_id = @dlq_id";

    /// <summary>Newest first; every filter NULL means "any".</summary>
    public abstract string ListDeadLetters { get; }

    public string CountUnresolvedDeadLetters =>
        "SELECT failure_class, COUNT(*) FROM sonia.dead_letters WHERE status = 'unresolved' GROUP BY failure_class";

    /// <summary>unresolved → replayed | discarded, only if still unresolved: one row affected or none.</summary>
    public string ResolveDeadLetter =>
        "UPDATE sonia.dead_letters SET status = @status, resolved_at = @resolved_at, resolved_by = @resolved_by, " +
        "resolution_reason = @resolution_reason, replay_action_id = @replay_action_id WHERE dlq_id = @dlq_id AND status = 'unresolved'";

    /// <summary>Every statement, for the dialect tests (the T-SQL ones are parsed with ScriptDom).</summary>
    public IEnumerable<string> All() =>
    [
        InsertAction, UpdateAction, InsertAudit, UpsertAttempt, InsertDeadLetter, SelectAction, SelectSubmission, SelectAudit,
        SelectAttempts, ListActions, SelectRecoverable, SelectLeaseOwners, SelectLeasedBy, ClaimExecution, SelectExecution, UpdateExecutionResult, InsertMemory, DeleteMemory,
        SelectDeadLetter, ListDeadLetters, CountUnresolvedDeadLetters, ResolveDeadLetter,
    ];
}

public sealed class PostgreSqlLedgerSql : LedgerSql
{
    public override string UpsertAttempt =>
        "INSERT INTO sonia.action_attempts (action_id, attempt, started_at, finished_at, outcome, failure_class, error, correlation_id) " +
        "VALUES (@action_id, @attempt, @started_at, @finished_at, @outcome, @failure_class, @error, @correlation_id) " +
        "ON CONFLICT (action_id, attempt) DO UPDATE SET finished_at = EXCLUDED.finished_at, outcome = EXCLUDED.outcome, " +
        "failure_class = EXCLUDED.failure_class, error = EXCLUDED.error";

    public override string ListActions =>
        $"SELECT {ActionColumns} FROM sonia.actions WHERE (@status::varchar IS NULL OR status = @status) " +
        "AND (@session_id::varchar IS NULL OR session_id = @session_id) " +
        "AND (@submitted_by::varchar IS NULL OR submitted_by = @submitted_by OR submitted_by = @assistant_by) " +
        "ORDER BY created_at DESC, action_id DESC LIMIT @limit";

    public override string SelectRecoverable =>
        "SELECT action_id FROM sonia.actions WHERE (status IN ('queued', 'executing', 'approved') AND lease_until < @now) " +
        "OR (status = 'awaiting_confirmation' AND expires_at <= @now) ORDER BY updated_at LIMIT @limit";

    public override string SelectLeasedBy =>
        "SELECT action_id FROM sonia.actions WHERE lease_owner = @lease_owner AND status IN ('queued', 'executing', 'approved') " +
        "ORDER BY updated_at LIMIT @limit";

    public override string ListDeadLetters =>
        $"SELECT {DeadLetterColumns} FROM sonia.dead_letters WHERE (@status::varchar IS NULL OR status = @status) " +
        "AND (@failure_class::varchar IS NULL OR failure_class = @failure_class) AND (@tool::varchar IS NULL OR tool = @tool) " +
        "AND (@since::timestamptz IS NULL OR created_at >= @since) ORDER BY created_at DESC, dlq_id DESC LIMIT @limit";

    public override string ClaimExecution =>
        "INSERT INTO sonia.executions (idempotency_key, action_id, tool, result, executed_at) " +
        "VALUES (@idempotency_key, @action_id, @tool, '', @executed_at) ON CONFLICT (idempotency_key) DO NOTHING";
}

public sealed class SqlServerLedgerSql : LedgerSql
{
    public override string UpsertAttempt =>
        "UPDATE sonia.action_attempts SET finished_at = @finished_at, outcome = @outcome, failure_class = @failure_class, error = @error " +
        "WHERE action_id = @action_id AND attempt = @attempt; " +
        "IF @@ROWCOUNT = 0 INSERT INTO sonia.action_attempts (action_id, attempt, started_at, finished_at, outcome, failure_class, error, correlation_id) " +
        "VALUES (@action_id, @attempt, @started_at, @finished_at, @outcome, @failure_class, @error, @correlation_id);";

    public override string ListActions =>
        $"SELECT TOP (@limit) {ActionColumns} FROM sonia.actions WHERE (@status IS NULL OR status = @status) " +
        "AND (@session_id IS NULL OR session_id = @session_id) " +
        "AND (@submitted_by IS NULL OR submitted_by = @submitted_by OR submitted_by = @assistant_by) " +
        "ORDER BY created_at DESC, action_id DESC";

    public override string ListDeadLetters =>
        $"SELECT TOP (@limit) {DeadLetterColumns} FROM sonia.dead_letters WHERE (@status IS NULL OR status = @status) " +
        "AND (@failure_class IS NULL OR failure_class = @failure_class) AND (@tool IS NULL OR tool = @tool) " +
        "AND (@since IS NULL OR created_at >= @since) ORDER BY created_at DESC, dlq_id DESC";

    public override string SelectRecoverable =>
        "SELECT TOP (@limit) action_id FROM sonia.actions WHERE (status IN ('queued', 'executing', 'approved') AND lease_until < @now) " +
        "OR (status = 'awaiting_confirmation' AND expires_at <= @now) ORDER BY updated_at";

    public override string SelectLeasedBy =>
        "SELECT TOP (@limit) action_id FROM sonia.actions WHERE lease_owner = @lease_owner AND status IN ('queued', 'executing', 'approved') " +
        "ORDER BY updated_at";

    public override string ClaimExecution =>
        "INSERT INTO sonia.executions (idempotency_key, action_id, tool, result, executed_at) " +
        "SELECT @idempotency_key, @action_id, @tool, N'', @executed_at WHERE NOT EXISTS " +
        "(SELECT 1 FROM sonia.executions WITH (UPDLOCK, HOLDLOCK) WHERE idempotency_key = @idempotency_key)";
}
