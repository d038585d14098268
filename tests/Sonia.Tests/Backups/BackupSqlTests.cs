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

    [Fact]
    public void ScratchSchema_IsNamedAfterAValidBackupId_Only()
    {
        Assert.StartsWith("sonia_verify_bak_", ScratchRestore.SchemaFor(Sonia.Grains.Interfaces.Backups.BackupIds.New()),
            StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => ScratchRestore.SchemaFor("bak_x; DROP SCHEMA sonia"));
    }
}
