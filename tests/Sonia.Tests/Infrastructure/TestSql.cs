using Sonia.Hosting.Database;

namespace Sonia.Tests.Infrastructure;

/// <summary>Reads a test database directly, to check what Sonia stored rather than what it says it stored.</summary>
public static class TestSql
{
    public static async Task<object?> ScalarAsync(DatabaseOptions database, string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = database.CreateConnection();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        var result = await command.ExecuteScalarAsync();
        return result is DBNull ? null : result;
    }

    public static async Task<long> CountAsync(DatabaseOptions database, string sql, params (string Name, object Value)[] parameters) =>
        Convert.ToInt64(await ScalarAsync(database, sql, parameters), System.Globalization.CultureInfo.InvariantCulture);
}
