namespace Sonia.Hosting.Database;

/// <summary>Describes a database for messages without printing its connection string.</summary>
public static class ConnectionStrings
{
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
