using Sonia.Grains.Interfaces.Actions;
using Sonia.Grains.Interfaces.Diagnostics;
using Sonia.Hosting.Database;

namespace Sonia.Grains.Diagnostics;

/// <summary>
/// The incident bundle's window reads, per dialect (the T-SQL ones are parsed in the tests). Each takes
/// <c>@from</c>, <c>@to</c> and <c>@limit</c>; the caller asks for one row more than it keeps to learn that the limit
/// was reached. Tool arguments and results are left out: a bundle is attached to tickets, and they are client content.
/// The audit window reads <c>ix_action_audit_at</c> (migration 0011), never the whole audit trail.
/// </summary>
public static class BundleSql
{
    private const string ActionColumns =
        "action_id, session_id, tool, status, requires_confirmation, attempts, failure_class, error, correlation_id, " +
        "replay_of, dlq_id, created_at, updated_at, expires_at, next_attempt_at";

    private const string DeadLetterColumns =
        "dlq_id, action_id, correlation_id, failure_class, error_type, error_message, attempts, tool, status, " +
        "created_at, resolved_at, resolved_by, resolution_reason, replay_action_id";

    private const string AuditColumns = "audit_id, action_id, from_status, to_status, at, actor, correlation_id, detail";

    private static readonly string Pending = string.Join(", ", new[]
    {
        ActionStatuses.Accepted, ActionStatuses.AwaitingConfirmation, ActionStatuses.Approved, ActionStatuses.Queued, ActionStatuses.Executing,
    }.Select(s => $"'{s}'"));

    /// <summary>The statement for <paramref name="table"/> (one of <see cref="BundleTables"/> read by SQL here).</summary>
    public static string For(DatabaseProvider provider, string table)
    {
        var (select, where, order) = table switch
        {
            BundleTables.ActionTimeline => (ActionColumns + " FROM sonia.actions",
                "created_at >= @from AND created_at < @to", "created_at DESC, action_id DESC"),
            // Pending is "now", not the window: what is stuck matters whenever it started.
            BundleTables.ActionsPending => (ActionColumns + " FROM sonia.actions", $"status IN ({Pending})", "created_at, action_id"),
            BundleTables.DeadLetters => (DeadLetterColumns + " FROM sonia.dead_letters",
                "(created_at >= @from AND created_at < @to) OR (resolved_at >= @from AND resolved_at < @to)", "created_at DESC, dlq_id DESC"),
            BundleTables.ActionAudit => (AuditColumns + " FROM sonia.action_audit", "at >= @from AND at < @to", "at, audit_id"),
            _ => throw new ArgumentOutOfRangeException(nameof(table), table, "not a table read by SQL"),
        };

        return provider switch
        {
            DatabaseProvider.PostgreSql => $"SELECT {select} WHERE {where} ORDER BY {order} LIMIT @limit",
            DatabaseProvider.SqlServer => $"SELECT TOP (@limit) {select} WHERE {where} ORDER BY {order}",
            _ => throw new InvalidOperationException($"Unknown database provider {provider}."),
        };
    }

    /// <summary>The tables read with <see cref="For"/>; the operator audit is read through its own log.</summary>
    public static readonly IReadOnlyList<string> Tables =
        [BundleTables.ActionTimeline, BundleTables.ActionsPending, BundleTables.DeadLetters, BundleTables.ActionAudit];
}
