using System.Data.Common;

namespace Sonia.Hosting.Database;

/// <summary>Makes connection strings safe to print.</summary>
public static class ConnectionStrings
{
    private static readonly string[] SecretKeys =
    [
        "password", "pwd", "access token", "accesstoken", "token", "apikey", "api key", "secret",
    ];

    /// <summary>The connection string with every secret-bearing value replaced by <c>***</c>.</summary>
    public static string Redact(string connectionString)
    {
        DbConnectionStringBuilder builder;
        try
        {
            builder = new DbConnectionStringBuilder { ConnectionString = connectionString };
        }
        catch (ArgumentException)
        {
            // An unparsable string may still carry a password somewhere: show nothing of it.
            return "(unparsable connection string)";
        }

        foreach (var key in builder.Keys.Cast<string>().ToList())
        {
            if (SecretKeys.Contains(key.Trim().ToLowerInvariant()))
            {
                builder[key] = "***";
            }
        }

        return builder.ConnectionString;
    }

    /// <summary>A short "host:port/database" description for error messages.</summary>
    public static string Describe(DatabaseOptions options)
    {
        try
        {
            var builder = options.Factory.CreateConnectionStringBuilder()!;
            builder.ConnectionString = options.ConnectionString;
            string Get(params string[] keys) =>
                keys.Select(k => builder.TryGetValue(k, out var v) ? v?.ToString() : null)
                    .FirstOrDefault(v => !string.IsNullOrEmpty(v)) ?? "?";
            return options.Provider == DatabaseProvider.PostgreSql
                ? $"PostgreSQL at {Get("Host")}:{Get("Port")} (database {Get("Database")})"
                : $"SQL Server at {Get("Data Source")} (database {Get("Initial Catalog")})";
        }
        catch (ArgumentException)
        {
            return $"{options.Provider} (connection string could not be parsed)";
        }
    }
}
