namespace Sonia.Grains.Health;

/// <summary>
/// What the ledger and dead-letter checks read. The text is the same in both dialects (no paging, no casts), and each
/// statement reads an index only: <c>ix_actions_unfinished</c>, <c>ix_dead_letters_unresolved_class</c> and
/// <c>ix_dead_letters_replay</c> (migrations 0004 and 0008), so a check costs the same with a million rows.
/// </summary>
public static class HealthSql
{
    /// <summary>The statuses of actions that are not finished; the partial index <c>ix_actions_unfinished</c> holds exactly these.</summary>
    public const string UnfinishedStatuses = "'queued', 'executing', 'approved', 'awaiting_confirmation'";

    /// <summary>Per unfinished status: how many, and when the oldest was created.</summary>
    public const string UnfinishedByStatus =
        $"SELECT status, COUNT(*), MIN(created_at) FROM sonia.actions WHERE status IN ({UnfinishedStatuses}) GROUP BY status";

    /// <summary>Unresolved dead letters per failure class.</summary>
    public const string UnresolvedByFailureClass =
        "SELECT failure_class, COUNT(*) FROM sonia.dead_letters WHERE status = 'unresolved' GROUP BY failure_class";

    /// <summary>Dead letters created at or after @since, resolved or not: the queue's growth.</summary>
    public const string DeadLettersSince = "SELECT COUNT(*) FROM sonia.dead_letters WHERE created_at >= @since";

    /// <summary>Every statement, for the dialect and plan tests.</summary>
    public static IReadOnlyList<string> All { get; } = [UnfinishedByStatus, UnresolvedByFailureClass, DeadLettersSince];
}
