using Sonia.Grains.Actions.Ledger;
using Sonia.Grains.Health;
using Sonia.Hosting.Database;

namespace Sonia.Grains.Diagnostics;

/// <summary>
/// The snapshot's statements, one implementation per dialect. Each reads an index, never the whole table: the newest
/// actions and dead letters by a backward scan of <c>ix_actions_created</c> and <c>ix_dead_letters_replay</c>, the
/// pending ones from the partial <c>ix_actions_unfinished</c> (migration 0008), transitions by <c>ix_action_audit_action</c>.
/// </summary>
public abstract class DiagnosticsSql
{
    /// <summary>What the timeline shows of an action: never its arguments or result, which can be large.</summary>
    public const string TimelineColumns =
        "action_id, tool, status, attempts, failure_class, correlation_id, session_id, dlq_id, replay_of, created_at, updated_at, expires_at";

    public static DiagnosticsSql For(DatabaseProvider provider) => provider switch
    {
        DatabaseProvider.PostgreSql => new PostgreSqlDiagnosticsSql(),
        DatabaseProvider.SqlServer => new SqlServerDiagnosticsSql(),
        _ => throw new InvalidOperationException($"Unknown database provider {provider}."),
    };

    /// <summary>The newest @limit actions, newest first.</summary>
    public abstract string RecentActions { get; }

    /// <summary>The transitions of the actions whose ids are in @ids (a JSON array), in order per action.</summary>
    public abstract string TransitionsOf { get; }

    /// <summary>Unfinished actions, oldest first, at most @limit.</summary>
    public abstract string PendingActions { get; }

    /// <summary>How many unfinished actions there are in all.</summary>
    public string CountPending => $"SELECT COUNT(*) FROM sonia.actions WHERE status IN ({HealthSql.UnfinishedStatuses})";

    /// <summary>The newest @limit dead letters whatever their status, newest first.</summary>
    public abstract string RecentDeadLetters { get; }

    /// <summary>Every statement, for the dialect tests (the T-SQL ones are parsed with ScriptDom) and the plan tests.</summary>
    public IEnumerable<string> All() =>
        [RecentActions, TransitionsOf, PendingActions, CountPending, RecentDeadLetters, .. HealthSql.All];
}

public sealed class PostgreSqlDiagnosticsSql : DiagnosticsSql
{
    public override string RecentActions =>
        $"SELECT {TimelineColumns} FROM sonia.actions ORDER BY created_at DESC, action_id DESC LIMIT @limit";

    public override string TransitionsOf =>
        "SELECT action_id, from_status, to_status, at, actor, correlation_id, detail FROM sonia.action_audit " +
        "WHERE action_id IN (SELECT jsonb_array_elements_text(@ids::jsonb)) ORDER BY action_id, audit_id";

    public override string PendingActions =>
        $"SELECT {TimelineColumns} FROM sonia.actions WHERE status IN ({HealthSql.UnfinishedStatuses}) " +
        "ORDER BY created_at, action_id LIMIT @limit";

    public override string RecentDeadLetters =>
        $"SELECT {LedgerSql.DeadLetterColumns} FROM sonia.dead_letters ORDER BY created_at DESC, dlq_id DESC LIMIT @limit";
}

public sealed class SqlServerDiagnosticsSql : DiagnosticsSql
{
    public override string RecentActions =>
        $"SELECT TOP (@limit) {TimelineColumns} FROM sonia.actions ORDER BY created_at DESC, action_id DESC";

    public override string TransitionsOf =>
        "SELECT action_id, from_status, to_status, at, actor, correlation_id, detail FROM sonia.action_audit " +
        "WHERE action_id IN (SELECT value FROM OPENJSON(@ids)) ORDER BY action_id, audit_id";

    public override string PendingActions =>
        $"SELECT TOP (@limit) {TimelineColumns} FROM sonia.actions WHERE status IN ({HealthSql.UnfinishedStatuses}) " +
        "ORDER BY created_at, action_id";

    public override string RecentDeadLetters =>
        $"SELECT TOP (@limit) {LedgerSql.DeadLetterColumns} FROM sonia.dead_letters ORDER BY created_at DESC, dlq_id DESC";
}
