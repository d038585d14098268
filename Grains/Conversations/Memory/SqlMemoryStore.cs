using Sonia.Grains.Interfaces.Sessions;
using Sonia.Grains.Storage;
using Sonia.Hosting.Database;

namespace Sonia.Grains.Conversations.Memory;

/// <summary>The built-in store: full-text search over <c>sonia.memories</c>, which <c>note.save</c> writes.</summary>
public sealed class SqlMemoryStore(DatabaseOptions database, MemoryOptions options) : IMemoryStore
{
    private readonly MemorySql _sql = MemorySql.For(database.Provider);
    private readonly SqlRunner _runner = new(database);

    public async Task<IReadOnlyList<MemoryHit>> SearchAsync(MemoryQuery query, CancellationToken cancellationToken)
    {
        var terms = SearchTerms.Of(query.Text);
        if (terms.Count == 0)
        {
            return [];
        }

        var hits = new List<MemoryHit>();
        (string, object?)[] parameters = [("query", _sql.Query(terms)), ("session_id", query.SessionId), ("limit", query.Limit)];
        var user = options.Scope == MemoryOptions.UserScope;
        if (user)
        {
            parameters = [.. parameters, ("owner", query.Owner), ("assistant", AssistantActors.For(query.Owner))];
        }

        await _runner.QueryAsync(user ? _sql.SearchUser : _sql.SearchSession,
            r => hits.Add(new MemoryHit(r.GetString(0), r.GetString(1), Math.Round(r.GetDouble(2), 6))),
            cancellationToken,
            parameters);
        return hits;
    }
}
