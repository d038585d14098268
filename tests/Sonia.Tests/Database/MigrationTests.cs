using System.Security.Cryptography;
using System.Text;
using Sonia.Hosting.Database;
using Sonia.Silo.Database;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Database;

public sealed class MigrationTests
{
    [Fact]
    public async Task Migrate_OnEmptyDatabase_RunsEveryScriptInOrder()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("migrate_once", migrate: false);
        var migrator = new SchemaMigrator(database);

        var applied = migrator.Migrate();

        Assert.Equal(migrator.AvailableScripts(), applied);
        Assert.Contains(applied, s => s.EndsWith("0001_orleans.sql", StringComparison.Ordinal));
        Assert.Contains(applied, s => s.EndsWith("0002_sonia_schema.sql", StringComparison.Ordinal));
        Assert.Contains(applied, s => s.EndsWith("0004_retention.sql", StringComparison.Ordinal));
        Assert.Contains(applied, s => s.EndsWith("0005_auth.sql", StringComparison.Ordinal));
        Assert.Contains(applied, s => s.EndsWith("0006_operator_audit.sql", StringComparison.Ordinal));
        Assert.Contains(applied, s => s.EndsWith("0007_backups.sql", StringComparison.Ordinal));
        Assert.Contains(applied, s => s.EndsWith("0008_diagnostics.sql", StringComparison.Ordinal));
        Assert.Contains(applied, s => s.EndsWith("0009_recovery.sql", StringComparison.Ordinal));
        Assert.Contains(applied, s => s.EndsWith("0010_backup_chunks.sql", StringComparison.Ordinal));
        Assert.Contains(applied, s => s.EndsWith("0011_audit_indexes.sql", StringComparison.Ordinal));
        Assert.Empty(migrator.PendingScripts());
    }

    [Fact]
    public async Task Migrate_Twice_ChangesNothing()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("migrate_twice", migrate: false);
        var migrator = new SchemaMigrator(database);
        migrator.Migrate();
        var before = await DigestAsync(database);

        var second = migrator.Migrate();

        Assert.Empty(second);
        Assert.Equal(before, await DigestAsync(database));
    }

    [Fact]
    public async Task Pending_OnEmptyDatabase_ListsEveryScript()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("pending", migrate: false);
        var migrator = new SchemaMigrator(database);

        Assert.Equal(migrator.AvailableScripts(), migrator.PendingScripts());
    }

    [Fact]
    public async Task OrleansQueryTable_HoldsEveryKeyTheProvidersRequire()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("query_keys");
        string[] required =
        [
            "GatewaysQueryKey", "MembershipReadRowKey", "MembershipReadAllKey", "InsertMembershipVersionKey",
            "UpdateIAmAlivetimeKey", "InsertMembershipKey", "UpdateMembershipKey", "DeleteMembershipTableEntriesKey",
            "CleanupDefunctSiloEntriesKey", "ReadReminderRowsKey", "ReadReminderRowKey", "ReadRangeRows1Key",
            "ReadRangeRows2Key", "UpsertReminderRowKey", "DeleteReminderRowKey", "DeleteReminderRowsKey",
            "WriteToStorageKey", "ReadFromStorageKey", "ClearStorageKey", "DeleteStorageKey",
        ];

        var keys = await QueryAsync(database, "SELECT querykey FROM orleansquery ORDER BY querykey");

        Assert.Empty(required.Except(keys));
    }

    /// <summary>A hash of every column of every table, the query texts and the journal.</summary>
    private static async Task<string> DigestAsync(DatabaseOptions database)
    {
        var rows = new List<string>();
        rows.AddRange(await QueryAsync(database,
            "SELECT table_schema || '.' || table_name || '.' || column_name || ':' || data_type FROM information_schema.columns " +
            "WHERE table_schema IN ('public', 'sonia') ORDER BY 1"));
        rows.AddRange(await QueryAsync(database, "SELECT querykey || '=' || md5(querytext) FROM orleansquery ORDER BY 1"));
        rows.AddRange(await QueryAsync(database, "SELECT scriptname FROM sonia.schema_versions ORDER BY 1"));
        rows.AddRange(await QueryAsync(database,
            "SELECT n.nspname || '.' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace " +
            "WHERE n.nspname IN ('public', 'sonia') ORDER BY 1"));
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', rows))));
    }

    private static async Task<List<string>> QueryAsync(DatabaseOptions database, string sql)
    {
        await using var connection = database.CreateConnection();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }
}
