using System.Data.Common;
using Sonia.Hosting.Database;

namespace Sonia.Grains.Storage;

/// <summary>Runs parameterised statements: on a connection of its own, or inside a caller's transaction.</summary>
public sealed class SqlRunner(DatabaseOptions database)
{
    /// <summary>Seconds a statement may run (0: no limit); null keeps the provider's default (30 s).</summary>
    public int? CommandTimeoutSeconds { get; init; }

    public async Task QueryAsync(string sql, Action<DbDataReader> row, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var connection = database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var command = Command(connection, null, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            row(reader);
        }
    }

    public async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var connection = database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var command = Command(connection, null, sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>A command on <paramref name="connection"/>, in <paramref name="transaction"/> if given, its parameters bound.</summary>
    public DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, IEnumerable<(string Name, object? Value)> parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        if (CommandTimeoutSeconds is { } timeout)
        {
            command.CommandTimeout = timeout;
        }

        SqlValues.AddAll(command.Parameters, command.CreateParameter, database.Provider, parameters);
        return command;
    }
}
