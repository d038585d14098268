using System.Globalization;
using Sonia.Grains.Storage;
using Sonia.Hosting.Database;

namespace Sonia.Grains.Health;

/// <summary>Reads the figures of the ledger and dead-letter checks from SQL.</summary>
public sealed class LedgerHealthReader(DatabaseOptions database)
{
    private readonly SqlRunner _runner = new(database);

    public async Task<LedgerFigures> ReadAsync(DateTimeOffset deadLettersSince, CancellationToken cancellationToken)
    {
        var unfinished = new Dictionary<string, UnfinishedStatus>(StringComparer.Ordinal);
        await _runner.QueryAsync(HealthSql.UnfinishedByStatus,
            r => unfinished[r.GetString(0)] = new UnfinishedStatus(Number(r.GetValue(1)), SqlValues.ReadTime(r, 2)), cancellationToken);
        var unresolved = await UnresolvedAsync(_runner, cancellationToken);
        long arrived = 0;
        await _runner.QueryAsync(HealthSql.DeadLettersSince, r => arrived = Number(r.GetValue(0)), cancellationToken,
            ("since", deadLettersSince));
        return new LedgerFigures(unfinished, unresolved, arrived);
    }

    /// <summary>Unresolved dead letters per failure class.</summary>
    public static async Task<IReadOnlyDictionary<string, long>> UnresolvedAsync(SqlRunner runner, CancellationToken cancellationToken)
    {
        var unresolved = new SortedDictionary<string, long>(StringComparer.Ordinal);
        await runner.QueryAsync(HealthSql.UnresolvedByFailureClass, r => unresolved[r.GetString(0)] = Number(r.GetValue(1)), cancellationToken);
        return unresolved;
    }

    private static long Number(object value) => Convert.ToInt64(value, CultureInfo.InvariantCulture);
}

/// <summary>How many actions are in one unfinished status, and when the oldest of them was created.</summary>
public sealed record UnfinishedStatus(long Count, DateTimeOffset Oldest);

/// <summary>The ledger's backlog and the dead-letter queue, as one check run read them.</summary>
public sealed record LedgerFigures(
    IReadOnlyDictionary<string, UnfinishedStatus> Unfinished,
    IReadOnlyDictionary<string, long> UnresolvedByFailureClass,
    long DeadLettersArrived);
