using System.Text.Json;
using Sonia.Hosting.Database;

namespace Sonia.Grains.Conversations.Memory;

/// <summary>
/// Memory search, one implementation per dialect (the T-SQL one is parsed in the tests). Both take the terms of
/// <see cref="SearchTerms"/> and match any of them; a memory that matches more terms ranks higher.
/// </summary>
public abstract class MemorySql
{
    public static MemorySql For(DatabaseProvider provider) => provider switch
    {
        DatabaseProvider.PostgreSql => new PostgreSqlMemorySql(),
        DatabaseProvider.SqlServer => new SqlServerMemorySql(),
        _ => throw new InvalidOperationException($"Unknown database provider {provider}."),
    };

    /// <summary>@query, @session_id, @limit: the memories saved in one session.</summary>
    public abstract string SearchSession { get; }

    /// <summary>@query, @session_id, @owner, @assistant, @limit: also those of every session the owner (or its assistant) used.</summary>
    public abstract string SearchUser { get; }

    /// <summary>The value of @query for these terms.</summary>
    public abstract string Query(IReadOnlyList<string> terms);

    public IEnumerable<string> All() => [SearchSession, SearchUser];

    /// <summary>Sessions in which the owner, or the assistant acting for it, submitted actions (note.save among them).</summary>
    protected const string OwnerSessions =
        "SELECT a.session_id FROM sonia.actions a WHERE a.session_id IS NOT NULL AND a.submitted_by IN (@owner, @assistant)";
}

/// <summary>
/// The GIN-indexed <c>search</c> tsvector (simple configuration) against an OR of the terms, ranked by <c>ts_rank</c>.
/// The terms are letters and digits only, so <c>to_tsquery</c> sees no operator but the <c>|</c> put between them.
/// </summary>
public sealed class PostgreSqlMemorySql : MemorySql
{
    private const string Select =
        "SELECT m.memory_id, m.text, ts_rank(m.search, q.query)::float8 AS score " +
        "FROM sonia.memories m, to_tsquery('simple', @query) AS q(query) WHERE m.search @@ q.query ";

    private const string Order = "ORDER BY score DESC, m.created_at DESC LIMIT @limit";

    public override string SearchSession => Select + "AND m.session_id = @session_id " + Order;

    public override string SearchUser =>
        Select + $"AND (m.session_id = @session_id OR m.session_id IN ({OwnerSessions})) " + Order;

    public override string Query(IReadOnlyList<string> terms) => string.Join(" | ", terms);
}

/// <summary>
/// SQL Server: the terms arrive as a JSON array and each is matched as a word fragment (LIKE), scored by the share of
/// terms a memory contains. A full-text index would rank better, but <c>CREATE FULLTEXT INDEX</c> cannot run inside the
/// migrator's per-script transaction, and this needs no optional Full-Text Search component.
/// </summary>
public sealed class SqlServerMemorySql : MemorySql
{
    private const string Select =
        "SELECT TOP (@limit) m.memory_id, m.[text], hits.score FROM sonia.memories AS m " +
        "JOIN (SELECT x.memory_id, CAST(COUNT(*) AS float) / (SELECT COUNT(*) FROM OPENJSON(@query)) AS score " +
        "FROM sonia.memories AS x CROSS APPLY OPENJSON(@query) AS t " +
        "WHERE x.[text] LIKE N'%' + t.[value] + N'%' ";

    private const string Order =
        "GROUP BY x.memory_id) AS hits ON hits.memory_id = m.memory_id ORDER BY hits.score DESC, m.created_at DESC";

    public override string SearchSession => Select + "AND x.session_id = @session_id " + Order;

    public override string SearchUser =>
        Select + $"AND (x.session_id = @session_id OR x.session_id IN ({OwnerSessions})) " + Order;

    public override string Query(IReadOnlyList<string> terms) => JsonSerializer.Serialize(terms);
}
