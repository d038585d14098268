using Npgsql;

namespace Sonia.Benchmarks.Load;

/// <summary>
/// PostgreSQL's own cumulative counters: commits and rows written in the database, and WAL flushes (fsyncs) of the
/// whole server. Two readings bracket a window. Backends publish their counts about once a second, so a window's
/// difference is good to about a second's worth of work.
/// </summary>
public sealed record PostgresCounters(long Commits, long RowsInserted, long RowsUpdated, long? WalSyncs)
{
    public static async Task<PostgresCounters> ReadAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            SELECT d.xact_commit, d.tup_inserted, d.tup_updated, w.wal_sync
            FROM pg_stat_database d CROSS JOIN pg_stat_wal w
            WHERE d.datname = current_database()
            """, connection);
        try
        {
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            return new PostgresCounters(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.UndefinedColumn)
        {
            // pg_stat_wal.wal_sync exists in PostgreSQL 14 to 17 only: without it, no WAL flush count.
            command.CommandText = "SELECT xact_commit, tup_inserted, tup_updated FROM pg_stat_database WHERE datname = current_database()";
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            return new PostgresCounters(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), null);
        }
    }

    public PostgresCounters Minus(PostgresCounters earlier) => new(
        Commits - earlier.Commits, RowsInserted - earlier.RowsInserted, RowsUpdated - earlier.RowsUpdated, WalSyncs - earlier.WalSyncs);
}

/// <summary>What PostgreSQL did during the load's window.</summary>
public sealed class PostgresProbe(string connectionString) : IWindowProbe
{
    private PostgresCounters? _start;

    /// <summary>Counts in the window (set once it ended).</summary>
    public PostgresCounters? Result { get; private set; }

    public async Task AtWindowStartAsync() => _start = await PostgresCounters.ReadAsync(connectionString);

    public async Task AtWindowEndAsync() => Result = (await PostgresCounters.ReadAsync(connectionString)).Minus(_start!);
}
