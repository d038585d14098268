using System.Diagnostics;
using Npgsql;

namespace Sonia.Benchmarks.Load;

/// <summary>
/// The ceiling the issue compares with: how many single-row INSERTs PostgreSQL commits per second over a given
/// number of connections, each connection inserting one row per transaction (autocommit) as fast as it can. It is
/// the rate a ledger writing each change in its own transaction could not exceed over those connections. Uses
/// the same server and database as the load, in a scratch table created here and dropped on dispose.
/// </summary>
public sealed class CommitCeiling : IAsyncDisposable
{
    private static readonly TimeSpan Warmup = TimeSpan.FromSeconds(1);

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _table;

    private CommitCeiling(NpgsqlDataSource dataSource, string table)
    {
        _dataSource = dataSource;
        _table = table;
    }

    /// <summary>Creates the scratch table: a logged table like the ledger's (an unlogged one would skip the WAL flush being measured).</summary>
    public static async Task<CommitCeiling> CreateAsync(string connectionString)
    {
        var dataSource = NpgsqlDataSource.Create(connectionString);
        var table = "bench_commit_ceiling_" + Guid.NewGuid().ToString("N")[..8];
        await using var command = dataSource.CreateCommand(
            $"CREATE TABLE {table} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, connection int NOT NULL, n bigint NOT NULL, payload text NOT NULL, at timestamptz NOT NULL DEFAULT now())");
        await command.ExecuteNonQueryAsync();
        return new CommitCeiling(dataSource, table);
    }

    /// <summary>The settings that decide what a commit costs, to print next to the figure.</summary>
    public async Task<string> ServerSettingsAsync()
    {
        await using var command = _dataSource.CreateCommand(
            "SELECT current_setting('server_version'), current_setting('fsync'), current_setting('synchronous_commit'), current_setting('wal_sync_method'), current_setting('commit_delay')");
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return $"PostgreSQL {reader.GetString(0)}, fsync={reader.GetString(1)}, synchronous_commit={reader.GetString(2)}, wal_sync_method={reader.GetString(3)}, commit_delay={reader.GetString(4)}";
    }

    public async Task<CeilingResult> MeasureAsync(int connections, TimeSpan duration, CancellationToken cancellationToken)
    {
        var window = MeasurementWindow.After(Warmup, duration);
        var workers = Enumerable.Range(0, connections)
            .Select(i => Task.Run(() => InsertUntilAsync(i, window, cancellationToken), CancellationToken.None))
            .ToList();

        await Task.Delay(Warmup, cancellationToken);
        var before = await PostgresCounters.ReadAsync(_dataSource.ConnectionString);
        await Task.Delay(Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), window.End), cancellationToken);
        var during = (await PostgresCounters.ReadAsync(_dataSource.ConnectionString)).Minus(before);

        var commits = (await Task.WhenAll(workers)).Sum();
        return new CeilingResult(connections, window.Seconds, commits, during.WalSyncs);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await using var command = _dataSource.CreateCommand($"DROP TABLE IF EXISTS {_table}");
            await command.ExecuteNonQueryAsync();
        }
        finally
        {
            await _dataSource.DisposeAsync();
        }
    }

    /// <returns>Commits made inside the window.</returns>
    private async Task<long> InsertUntilAsync(int connectionNumber, MeasurementWindow window, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var insert = new NpgsqlCommand($"INSERT INTO {_table} (connection, n, payload) VALUES ($1, $2, $3)", connection);
        insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = connectionNumber });
        var n = new NpgsqlParameter<long>();
        insert.Parameters.Add(n);
        var payload = new NpgsqlParameter<string>();
        insert.Parameters.Add(payload);

        // Prepared: the ceiling is the best a one-row transaction can do, so parsing and planning are not in it.
        await insert.PrepareAsync(cancellationToken);

        long commits = 0;
        while (true)
        {
            n.TypedValue++;
            payload.TypedValue = $$"""{"n":{{n.TypedValue}}}""";
            await insert.ExecuteNonQueryAsync(cancellationToken);
            var now = Stopwatch.GetTimestamp();
            if (now >= window.End)
            {
                return commits;
            }

            if (window.Contains(now))
            {
                commits++;
            }
        }
    }
}

/// <param name="WalSyncs">WAL flushes the server made in the window (null before PostgreSQL 14 and from 18).</param>
public sealed record CeilingResult(int Connections, double Seconds, long Commits, long? WalSyncs)
{
    public double CommitsPerSecond => Commits / Seconds;
}
