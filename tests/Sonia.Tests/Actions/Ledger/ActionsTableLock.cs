using System.Data;
using System.Data.Common;
using Sonia.Hosting.Database;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Actions.Ledger;

/// <summary>
/// Holds <c>LOCK TABLE sonia.actions IN SHARE MODE</c> in an open transaction: reads go on, every insert or update of
/// an action waits until <see cref="ReleaseAsync"/>. With one ledger writer this parks the writer on a known change.
/// </summary>
public sealed class ActionsTableLock : IAsyncDisposable
{
    private readonly DatabaseOptions _database;
    private readonly DbConnection _connection;
    private readonly DbTransaction _transaction;

    private ActionsTableLock(DatabaseOptions database, DbConnection connection, DbTransaction transaction) =>
        (_database, _connection, _transaction) = (database, connection, transaction);

    public static async Task<ActionsTableLock> TakeAsync(DatabaseOptions database)
    {
        var connection = database.CreateConnection();
        await connection.OpenAsync();
        var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "LOCK TABLE sonia.actions IN SHARE MODE";
        await command.ExecuteNonQueryAsync();
        return new ActionsTableLock(database, connection, transaction);
    }

    /// <summary>Completes once a statement of the database waits on a lock: the writer has taken its change off the queue.</summary>
    public Task WriterBlockedAsync() => Eventually.ResultAsync(
        () => TestSql.CountAsync(_database,
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"),
        TimeSpan.FromSeconds(20), waiting => waiting == 1);

    public Task ReleaseAsync() => _transaction.RollbackAsync();

    public async ValueTask DisposeAsync()
    {
        await _transaction.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
