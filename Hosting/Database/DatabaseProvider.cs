namespace Sonia.Hosting.Database;

/// <summary>The SQL dialects Sonia runs on.</summary>
public enum DatabaseProvider
{
    /// <summary>PostgreSQL through Npgsql: the local default and the engine every test runs against.</summary>
    PostgreSql,

    /// <summary>SQL Server through Microsoft.Data.SqlClient: the production target.</summary>
    SqlServer,
}
