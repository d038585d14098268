using Sonia.Grains.Storage;
using System.Data.Common;
using Sonia.Grains.Actions.Ledger;
using Sonia.Grains.Interfaces.DeadLetters;
using Sonia.Hosting.Database;

namespace Sonia.Grains.DeadLetters;

/// <summary>Reads dead letters back from SQL.</summary>
public sealed class DeadLetterReader(DatabaseOptions database)
{
    private readonly LedgerSql _sql = LedgerSql.For(database.Provider);
    private readonly DeadLetterSql _batch = DeadLetterSql.For(database.Provider);
    private readonly SqlRunner _runner = new(database);

    public async Task<DeadLetterView?> FindAsync(string dlqId, CancellationToken cancellationToken = default)
    {
        DeadLetterView? found = null;
        await _runner.QueryAsync(_sql.SelectDeadLetter, r => found = Read(r), cancellationToken, ("dlq_id", dlqId));
        return found;
    }

    public async Task<IReadOnlyList<DeadLetterView>> ListAsync(DeadLetterQuery query, CancellationToken cancellationToken = default)
    {
        if (query.Ids is { Count: > 0 } ids)
        {
            var byId = new List<DeadLetterView>();
            foreach (var id in ids.Distinct(StringComparer.Ordinal))
            {
                if (await FindAsync(id, cancellationToken) is { } found && Matches(found, query))
                {
                    byId.Add(found);
                }
            }

            return byId.OrderByDescending(d => d.CreatedAt).Take(query.LastN).ToList();
        }

        var rows = new List<DeadLetterView>();
        await _runner.QueryAsync(_sql.ListDeadLetters, r => rows.Add(Read(r)), cancellationToken,
            ("status", query.Status), ("failure_class", query.FailureClass), ("tool", query.Tool),
            ("since", SqlValues.Time(query.Since)), ("limit", query.LastN));
        return rows;
    }

    public async Task<IReadOnlyDictionary<string, int>> CountsAsync(CancellationToken cancellationToken = default)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        await _runner.QueryAsync(_sql.CountUnresolvedDeadLetters, r => counts[r.GetString(0)] = Convert.ToInt32(r.GetValue(1), System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
        return counts;
    }

    /// <summary>
    /// The next <paramref name="limit"/> records of a batch after <paramref name="after"/>, oldest first: unresolved ones, and
    /// with <paramref name="resolvedSince"/> also those resolved since then.
    /// </summary>
    public async Task<IReadOnlyList<DeadLetterView>> PageAsync(
        ReplayBatchSpec spec, ReplayCursor? after, DateTimeOffset? until, DateTimeOffset? resolvedSince, int limit,
        CancellationToken cancellationToken = default)
    {
        var rows = new List<DeadLetterView>(limit);
        await _runner.QueryAsync(_batch.ReplayPage, r => rows.Add(Read(r)), cancellationToken,
            [.. Filters(spec, until), ("resolved_since", SqlValues.Time(resolvedSince)), ("after_created_at", SqlValues.Time(after?.CreatedAt)),
            ("after_dlq_id", after?.DlqId), ("limit", limit)]);
        return rows;
    }

    /// <summary>How many unresolved records a batch with <paramref name="spec"/> takes, up to <paramref name="until"/>.</summary>
    public async Task<int> CountReplayableAsync(ReplayBatchSpec spec, DateTimeOffset? until, CancellationToken cancellationToken = default)
    {
        var count = 0;
        await _runner.QueryAsync(_batch.CountReplayable, r => count = Convert.ToInt32(r.GetValue(0), System.Globalization.CultureInfo.InvariantCulture),
            cancellationToken, [.. Filters(spec, until)]);
        return count;
    }

    private static (string Name, object? Value)[] Filters(ReplayBatchSpec spec, DateTimeOffset? until) =>
    [
        ("failure_class", spec.FailureClass), ("tool", spec.Tool), ("since", SqlValues.Time(spec.Since)),
        ("ids", spec.Ids is { Count: > 0 } ids ? System.Text.Json.JsonSerializer.Serialize(ids) : null), ("until_created_at", SqlValues.Time(until)),
    ];

    private static bool Matches(DeadLetterView d, DeadLetterQuery q) =>
        (q.Status is null || d.Status == q.Status)
        && (q.FailureClass is null || d.FailureClass == q.FailureClass)
        && (q.Tool is null || d.Tool == q.Tool)
        && (q.Since is null || d.CreatedAt >= q.Since);

    internal static DeadLetterView Read(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), SqlValues.ReadNullableString(r, 4), SqlValues.ReadNullableString(r, 5),
        r.GetInt32(6), r.GetString(7), r.GetString(8), r.GetString(9), r.GetString(10), SqlValues.ReadTime(r, 11),
        SqlValues.ReadNullableTime(r, 12), SqlValues.ReadNullableString(r, 13), SqlValues.ReadNullableString(r, 14), SqlValues.ReadNullableString(r, 15));
}

/// <summary>Where a walk over the queue stands: the last record taken, in (created_at, dlq_id) order.</summary>
[GenerateSerializer, Immutable, Alias("sonia.replay-cursor")]
public sealed record class ReplayCursor([property: Id(0)] DateTimeOffset CreatedAt, [property: Id(1)] string DlqId);
