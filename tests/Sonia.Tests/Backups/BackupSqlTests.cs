using Sonia.Grains.Backups;
using Sonia.Hosting.Database;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Backups;

public sealed class BackupSqlTests
{
    [Fact]
    public void EveryStatement_ParsesAsTSql()
    {
        TSqlScripts.AllParse(BackupSql.For(DatabaseProvider.SqlServer).All());
    }

    /// <summary>
    /// A restore must skip a row that would break any unique index, not fail: PostgreSQL's ON CONFLICT DO NOTHING does so
    /// for every index, SQL Server's statement checks each one by hand. Every unique column of the schema (read from a
    /// migrated PostgreSQL, whose indexes the SQL Server migrations mirror) must be in that check.
    /// </summary>
    [Fact]
    public async Task SqlServerInsertIfAbsent_ChecksEveryUniqueValueOfItsTable()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("backup_unique");
        var sql = BackupSql.For(DatabaseProvider.SqlServer);
        foreach (var table in BackupTables.Restored(BackupTables.Format)!.All)
        {
            var unique = ((string)(await TestSql.ScalarAsync(database, """
                SELECT string_agg(DISTINCT a.attname::text, ',') FROM pg_index i
                JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
                WHERE i.indrelid = @table::regclass AND i.indisunique
                """, ("table", table.Table)))!).Split(',');
            var statement = sql.InsertIfAbsent(table, 1);

            Assert.True(unique.Length >= 2, $"{table.Table}: {string.Join(", ", unique)}");
            Assert.All(unique, column => Assert.Contains($"t.{column} = v.{column}", statement, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void ScratchSchema_IsNamedAfterAValidBackupId_Only()
    {
        Assert.StartsWith("sonia_verify_bak_", ScratchRestore.SchemaFor(Sonia.Grains.Interfaces.Backups.BackupIds.New()),
            StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => ScratchRestore.SchemaFor("bak_x; DROP SCHEMA sonia"));
    }
}
