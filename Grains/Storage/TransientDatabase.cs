using System.Data.Common;
using Microsoft.Data.SqlClient;
using Npgsql;
using Sonia.Grains.Interfaces.Storage;

namespace Sonia.Grains.Storage;

/// <summary>
/// Which database failures mean "the database is unavailable, try again shortly" rather than a defect: what the
/// driver calls transient, plus the engines' codes for a server shutting down, starting up, or out of connections.
/// </summary>
public static class TransientDatabase
{
    /// <summary>SQL Server errors of a server or connection that is going or gone (timeouts, network, failover, throttling).</summary>
    private static readonly HashSet<int> SqlServerUnavailable =
        [-2, 20, 53, 64, 121, 233, 1205, 4060, 4221, 10053, 10054, 10060, 10061, 10928, 10929, 40143, 40197, 40501, 40613, 49918, 49919, 49920];

    public static bool IsTransient(Exception? exception) => DatabaseUnavailableException.Find(exception, IsTransientHere);

    private static bool IsTransientHere(Exception exception) => exception switch
    {
        DatabaseUnavailableException => true,

        // SQLSTATE class 08 (connection), 53 (resources: too many connections), 57P (shutdown, starting up), 58 (I/O).
        PostgresException pg => pg.IsTransient || pg.SqlState.StartsWith("08", StringComparison.Ordinal)
            || pg.SqlState.StartsWith("53", StringComparison.Ordinal) || pg.SqlState.StartsWith("57P", StringComparison.Ordinal)
            || pg.SqlState.StartsWith("58", StringComparison.Ordinal),
        NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is System.IO.IOException or System.Net.Sockets.SocketException,
        SqlException sql => sql.IsTransient || sql.Errors.Cast<SqlError>().Any(e => SqlServerUnavailable.Contains(e.Number)),
        DbException db => db.IsTransient,
        _ => false,
    };
}
