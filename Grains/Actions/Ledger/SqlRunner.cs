using System.Data.Common;
using Sonia.Hosting.Database;

namespace Sonia.Grains.Actions.Ledger;

/// <summary>Runs one parameterised statement on its own connection: the read side of the ledger.</summary>
public sealed class SqlRunner(DatabaseOptions database)
{
    public DatabaseProvider Provider => database.Provider;

    public async Task QueryAsync(string sql, Action<DbDataReader> row, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var connection = database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var command = Command(connection, sql, parameters);
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
        await using var command = Command(connection, sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private DbCommand Command(DbConnection connection, string sql, (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            SqlValues.Add(command.Parameters, command.CreateParameter, database.Provider, name, value);
        }

        return command;
    }
}
