using Sonia.Grains.Actions.Ledger;
using Sonia.Hosting.Database;

namespace Sonia.Grains.DeadLetters;

/// <summary>
/// The batch-replay statements, one implementation per dialect. A batch walks the queue oldest first by keyset
/// over <c>(created_at, dlq_id)</c> (index <c>ix_dead_letters_replay</c>), a page at a time, never by OFFSET and
/// never "the newest N, then sorted".
/// </summary>
public abstract class DeadLetterSql
{
    public static DeadLetterSql For(DatabaseProvider provider) => provider switch
    {
        DatabaseProvider.PostgreSql => new PostgreSqlDeadLetterSql(),
        DatabaseProvider.SqlServer => new SqlServerDeadLetterSql(),
        _ => throw new InvalidOperationException($"Unknown database provider {provider}."),
    };

    /// <summary>
    /// The next page after the cursor (@after_created_at NULL: from the start), oldest first, up to @until_created_at.
    /// Unresolved records, and with @resolved_since those resolved since then (a job's own records before a crash).
    /// @ids is a JSON array of dlq ids or NULL.
    /// </summary>
    public abstract string ReplayPage { get; }

    /// <summary>How many unresolved records a batch with these filters takes, up to @until_created_at.</summary>
    public string CountReplayable => $"SELECT COUNT(*) FROM sonia.dead_letters WHERE status = 'unresolved' AND {Filters}";

    /// <summary>The failure class, tool, since, ids and upper-bound filters every batch statement shares.</summary>
    protected abstract string Filters { get; }

    /// <summary>Every statement, for the dialect tests (the T-SQL ones are parsed with ScriptDom).</summary>
    public IEnumerable<string> All() => [ReplayPage, CountReplayable];
}

public sealed class PostgreSqlDeadLetterSql : DeadLetterSql
{
    protected override string Filters =>
        "(@failure_class::varchar IS NULL OR failure_class = @failure_class) AND (@tool::varchar IS NULL OR tool = @tool) " +
        "AND (@since::timestamptz IS NULL OR created_at >= @since) " +
        "AND (@ids::text IS NULL OR dlq_id IN (SELECT jsonb_array_elements_text(@ids::jsonb))) " +
        "AND (@until_created_at::timestamptz IS NULL OR created_at <= @until_created_at)";

    public override string ReplayPage =>
        $"SELECT {LedgerSql.DeadLetterColumns} FROM sonia.dead_letters " +
        "WHERE (status = 'unresolved' OR (@resolved_since::timestamptz IS NOT NULL AND resolved_at >= @resolved_since)) " +
        $"AND {Filters} " +
        "AND (@after_created_at::timestamptz IS NULL OR (created_at, dlq_id) > (@after_created_at, @after_dlq_id::varchar)) " +
        "ORDER BY created_at, dlq_id LIMIT @limit";
}

public sealed class SqlServerDeadLetterSql : DeadLetterSql
{
    protected override string Filters =>
        "(@failure_class IS NULL OR failure_class = @failure_class) AND (@tool IS NULL OR tool = @tool) " +
        "AND (@since IS NULL OR created_at >= @since) " +
        "AND (@ids IS NULL OR dlq_id IN (SELECT value FROM OPENJSON(@ids))) " +
        "AND (@until_created_at IS NULL OR created_at <= @until_created_at)";

    // No row-value comparison in T-SQL: the keyset is spelled out.
    public override string ReplayPage =>
        $"SELECT TOP (@limit) {LedgerSql.DeadLetterColumns} FROM sonia.dead_letters " +
        "WHERE (status = 'unresolved' OR (@resolved_since IS NOT NULL AND resolved_at >= @resolved_since)) " +
        $"AND {Filters} " +
        "AND (@after_created_at IS NULL OR created_at > @after_created_at " +
        "OR (created_at = @after_created_at AND dlq_id > @after_dlq_id)) " +
        "ORDER BY created_at, dlq_id";
}
