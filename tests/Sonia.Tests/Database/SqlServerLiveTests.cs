using Microsoft.Data.SqlClient;
using Sonia.Hosting.Database;
using Sonia.Silo.Database;

namespace Sonia.Tests.Database;

/// <summary>Runs only where <c>SONIA_TEST_SQLSERVER</c> holds a connection string to a SQL Server we may create databases on.</summary>
public sealed class SqlServerLiveTests
{
    private static readonly string? Server = Environment.GetEnvironmentVariable("SONIA_TEST_SQLSERVER");

    [SkippableFact]
    public async Task Migrate_Twice_OnSqlServer_ChangesNothing()
    {
        Skip.If(string.IsNullOrEmpty(Server), "SONIA_TEST_SQLSERVER is not set: no SQL Server to run the T-SQL migrations against (they were parsed by ScriptDom instead).");

        var name = $"sonia_test_{Guid.NewGuid():N}";
        await using (var admin = new SqlConnection(Server))
        {
            await admin.OpenAsync();
            await using var create = new SqlCommand($"CREATE DATABASE [{name}]", admin);
            await create.ExecuteNonQueryAsync();
        }

        var options = new DatabaseOptions
        {
            Provider = DatabaseProvider.SqlServer,
            ConnectionString = new SqlConnectionStringBuilder(Server) { InitialCatalog = name }.ConnectionString,
        };
        var migrator = new SchemaMigrator(options);

        var first = migrator.Migrate();
        var second = migrator.Migrate();

        Assert.Equal(migrator.AvailableScripts(), first);
        Assert.Empty(second);
    }
}
