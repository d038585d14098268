using System.Net;
using System.Text.Json;
using Sonia.Tests.DeadLetters;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Backups;

[Collection(SoniaClusterCollection.Name)]
public sealed class BackupRestoreTests(SoniaClusterFixture fixture)
{
    private readonly BackupsClient _backups = new(fixture.Http);

    [Fact]
    public async Task RestoreDlq_DryRunChangesNothing_RealRunBringsBackWhatWasLost_KeepsNewer_AndIsIdempotent()
    {
        var seed = new DeadLetterSeed(fixture.Database, "t.backup-restore", 3, DateTimeOffset.UtcNow.AddHours(-1));
        await seed.InsertAsync();
        try
        {
            var id = (await _backups.CreateAsync()).GetProperty("backup_id").GetString()!;
            var lost = seed.DlqId(1);
            var changed = seed.DlqId(2);
            var original = await RowAsync(lost);
            await TestSql.ScalarAsync(fixture.Database, "DELETE FROM sonia.dead_letters WHERE dlq_id = @id", ("id", lost));
            await TestSql.ScalarAsync(fixture.Database, "DELETE FROM sonia.actions WHERE action_id = @id", ("id", ActionId(seed, 1)));
            await TestSql.ScalarAsync(fixture.Database,
                "UPDATE sonia.dead_letters SET status = 'discarded', resolved_at = now(), resolved_by = 'newer' WHERE dlq_id = @id",
                ("id", changed));
            var before = await DeadLetterMaker.SoniaDigestAsync(fixture.Database);

            var dry = await RestoreAsync(id, query: string.Empty);
            Assert.True(dry.GetProperty("dry_run").GetBoolean());
            Assert.Equal(1, dry.GetProperty("dead_letters").GetProperty("inserted").GetInt32());
            Assert.Equal(1, dry.GetProperty("actions").GetProperty("inserted").GetInt32());
            Assert.Equal(before, await DeadLetterMaker.SoniaDigestAsync(fixture.Database));

            var real = await RestoreAsync(id, "?dry_run=false");
            Assert.False(real.GetProperty("dry_run").GetBoolean());
            Assert.Equal(1, real.GetProperty("dead_letters").GetProperty("inserted").GetInt32());
            Assert.Equal(1, real.GetProperty("actions").GetProperty("inserted").GetInt32());
            Assert.True(real.GetProperty("dead_letters").GetProperty("identical").GetInt32() >= 1);
            var conflict = Assert.Single(real.GetProperty("conflicts").EnumerateArray(), c => c.GetProperty("key").GetString() == changed);
            Assert.Contains("status", conflict.GetProperty("reason").GetString(), StringComparison.Ordinal);
            Assert.Equal(original, await RowAsync(lost));
            Assert.Equal("newer", await TestSql.ScalarAsync(fixture.Database,
                "SELECT resolved_by FROM sonia.dead_letters WHERE dlq_id = @id", ("id", changed)));

            var afterFirst = await DeadLetterMaker.SoniaDigestAsync(fixture.Database);
            var again = await RestoreAsync(id, "?dry_run=false");
            Assert.Equal(0, again.GetProperty("dead_letters").GetProperty("inserted").GetInt32());
            Assert.Equal(0, again.GetProperty("actions").GetProperty("inserted").GetInt32());
            Assert.Equal(afterFirst, await DeadLetterMaker.SoniaDigestAsync(fixture.Database));
            Assert.Equal(3, await TestSql.CountAsync(fixture.Database,
                "SELECT COUNT(*) FROM sonia.operator_audit WHERE operation = 'backup.restore' AND target = @id", ("id", id)));
        }
        finally
        {
            await seed.DeleteAsync();
        }
    }

    private static string ActionId(DeadLetterSeed seed, int g) => $"act_{seed.Prefix}{g:D20}";

    private async Task<string?> RowAsync(string dlqId) => (string?)await TestSql.ScalarAsync(fixture.Database,
        "SELECT t::text FROM sonia.dead_letters t WHERE dlq_id = @id", ("id", dlqId));

    private async Task<JsonElement> RestoreAsync(string id, string query)
    {
        var (status, body) = await _backups.PostAsync($"/v1/backups/{id}/restore/dlq{query}");
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        return body;
    }
}
