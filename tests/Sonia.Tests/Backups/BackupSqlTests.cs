using Microsoft.SqlServer.TransactSql.ScriptDom;
using Sonia.Grains.Backups;
using Sonia.Hosting.Database;

namespace Sonia.Tests.Backups;

public sealed class BackupSqlTests
{
    [Fact]
    public void EveryStatement_ParsesAsTSql()
    {
        foreach (var sql in BackupSql.For(DatabaseProvider.SqlServer).All())
        {
            using var reader = new StringReader(sql);
            new TSql160Parser(initialQuotedIdentifiers: true).Parse(reader, out var errors);
            Assert.True(errors.Count == 0, $"{sql}\n" + string.Join("; ", errors.Select(e => $"col {e.Column}: {e.Message}")));
        }
    }

    [Fact]
    public void ScratchSchema_IsNamedAfterAValidBackupId_Only()
    {
        Assert.StartsWith("sonia_verify_bak_", ScratchRestore.SchemaFor(Sonia.Grains.Interfaces.Backups.BackupIds.New()), StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => ScratchRestore.SchemaFor("bak_x; DROP SCHEMA sonia"));
    }
}
