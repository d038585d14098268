using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sonia.Grains.Backups;
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
            // Who submitted an action decides which client key sees it: the backup keeps it, and the restore brings it back.
            await TestSql.ScalarAsync(fixture.Database, "UPDATE sonia.actions SET submitted_by = 'k-restore' WHERE action_id = @id",
                ("id", ActionId(seed, 1)));
            var id = (await _backups.CreateAsync()).GetProperty("backup_id").GetString()!;
            var lost = seed.DlqId(1);
            var changed = seed.DlqId(2);
            var original = await RowAsync(lost);
            var originalAction = await ActionRowAsync(ActionId(seed, 1));
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
            Assert.Equal(originalAction, await ActionRowAsync(ActionId(seed, 1)));
            Assert.Contains("k-restore", originalAction, StringComparison.Ordinal);
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

    [Fact]
    public async Task RestoreDlq_FromABackupInTheFormerFormat_TestRestoresAndRestoresWithThatFormatsColumns()
    {
        var seed = new DeadLetterSeed(fixture.Database, "t.backup-former", 2, DateTimeOffset.UtcNow.AddHours(-1));
        await seed.InsertAsync();
        try
        {
            var id = (await _backups.CreateAsync()).GetProperty("backup_id").GetString()!;
            await AsFormerFormatAsync(id);
            var lost = seed.DlqId(1);
            var original = await RowAsync(lost);
            var originalAction = await ActionRowAsync(ActionId(seed, 1));

            var (_, verification) = await _backups.GetAsync($"/v1/backups/{id}/verify");
            Assert.True(verification.GetProperty("passed").GetBoolean(), verification.ToString());
            var restored = verification.GetProperty("test_restore").GetProperty("tables").EnumerateArray()
                .Single(t => t.GetProperty("table").GetString() == "actions");
            Assert.True(restored.GetProperty("rows_restored").GetInt64() >= 2);

            await TestSql.ScalarAsync(fixture.Database, "DELETE FROM sonia.dead_letters WHERE dlq_id = @id", ("id", lost));
            await TestSql.ScalarAsync(fixture.Database, "DELETE FROM sonia.actions WHERE action_id = @id", ("id", ActionId(seed, 1)));
            var real = await RestoreAsync(id, "?dry_run=false");

            Assert.Equal(1, real.GetProperty("dead_letters").GetProperty("inserted").GetInt32());
            Assert.Equal(1, real.GetProperty("actions").GetProperty("inserted").GetInt32());
            Assert.Equal(original, await RowAsync(lost));
            Assert.Equal(originalAction, await ActionRowAsync(ActionId(seed, 1)));
        }
        finally
        {
            await seed.DeleteAsync();
        }
    }

    [Fact]
    public async Task RestoreDlq_WhenALostActionsIdempotencyKeyIsTakenNow_KeepsItsDeadLetterOut_AndRestoresTheRest()
    {
        var seed = new DeadLetterSeed(fixture.Database, "t.backup-orphan", 3, DateTimeOffset.UtcNow.AddHours(-1));
        await seed.InsertAsync();
        var newer = $"act_{seed.Prefix}N";
        try
        {
            var id = (await _backups.CreateAsync()).GetProperty("backup_id").GetString()!;
            // Records 1 and 2 are lost; a newer action now holds record 1's idempotency key, so its action cannot come back,
            // and neither can its dead letter (whose action must exist). Record 2 comes back whole.
            await TestSql.ScalarAsync(fixture.Database, "DELETE FROM sonia.dead_letters WHERE dlq_id = ANY(@ids)",
                ("ids", new[] { seed.DlqId(1), seed.DlqId(2) }));
            await TestSql.ScalarAsync(fixture.Database, "DELETE FROM sonia.actions WHERE action_id = ANY(@ids)",
                ("ids", new[] { ActionId(seed, 1), ActionId(seed, 2) }));
            await TestSql.ScalarAsync(fixture.Database, """
                INSERT INTO sonia.actions (action_id, tool, args, args_hash, request_hash, idempotency_key, status, requires_confirmation,
                    attempts, correlation_id, created_at, updated_at, version)
                VALUES (@newer, 'echo', '{}', '', repeat('0', 64), @key, 'succeeded', false, 1, 'c', now(), now(), 1)
                """, ("newer", newer), ("key", $"seed-{seed.Prefix}-1"));

            foreach (var query in new[] { string.Empty, "?dry_run=false" })
            {
                var result = await RestoreAsync(id, query);

                Assert.Equal(1, result.GetProperty("actions").GetProperty("inserted").GetInt32());
                Assert.Equal(1, result.GetProperty("dead_letters").GetProperty("inserted").GetInt32());
                var conflicts = result.GetProperty("conflicts").EnumerateArray()
                    .Where(c => c.GetProperty("key").GetString()!.Contains(seed.Prefix, StringComparison.Ordinal))
                    .ToDictionary(c => c.GetProperty("key").GetString()!, c => c.GetProperty("reason").GetString()!);
                Assert.Equal("another record holds one of its unique values; kept", conflicts[ActionId(seed, 1)]);
                Assert.Equal($"its action {ActionId(seed, 1)} is not in the database and could not be restored; kept out",
                    conflicts[seed.DlqId(1)]);
                Assert.Equal(2, conflicts.Count);
            }

            Assert.Equal(2, await TestSql.CountAsync(fixture.Database,
                "SELECT COUNT(*) FROM sonia.dead_letters WHERE dlq_id = ANY(@ids)", ("ids", new[] { seed.DlqId(2), seed.DlqId(3) })));
            Assert.Equal(0, await TestSql.CountAsync(fixture.Database,
                "SELECT COUNT(*) FROM sonia.dead_letters WHERE dlq_id = @id", ("id", seed.DlqId(1))));
        }
        finally
        {
            await TestSql.ScalarAsync(fixture.Database, "DELETE FROM sonia.actions WHERE action_id = @id", ("id", newer));
            await seed.DeleteAsync();
        }
    }

    [Fact]
    public async Task RestoreDlq_OverSeveralPages_InsertsWhatIsAbsent_NamesAUniqueValueConflict_AndReportsRowProgress()
    {
        const int Lost = 2 * DlqRestorer.PageSize + 100;
        var seed = new DeadLetterSeed(fixture.Database, "t.backup-pages", Lost + 2, DateTimeOffset.UtcNow.AddHours(-1));
        await seed.InsertAsync();
        try
        {
            var id = (await _backups.CreateAsync()).GetProperty("backup_id").GetString()!;
            // Record 1's action is now another dead letter's: its own dead letter, absent, cannot come back.
            var taken = seed.DlqId(1);
            await TestSql.ScalarAsync(fixture.Database, "UPDATE sonia.dead_letters SET dlq_id = @renamed WHERE dlq_id = @id",
                ("id", taken), ("renamed", taken + "X"));
            await TestSql.ScalarAsync(fixture.Database, "DELETE FROM sonia.dead_letters WHERE dlq_id = ANY(@ids)",
                ("ids", Enumerable.Range(2, Lost).Select(seed.DlqId).ToArray()));
            await TestSql.ScalarAsync(fixture.Database, "DELETE FROM sonia.actions WHERE action_id = ANY(@ids)",
                ("ids", Enumerable.Range(2, Lost).Select(g => ActionId(seed, g)).ToArray()));
            var reports = new List<(string Phase, int Tables, long Rows, long Total)>();

            var result = await new DlqRestorer(new BackupStore(fixture.Database, TimeSpan.FromMinutes(5)))
                .RestoreAsync(id, dryRun: false, CancellationToken.None, (phase, tables, rows, total) =>
                    reports.Add((phase, tables, rows, total)));

            Assert.Equal(Lost, result.Actions.Inserted);
            Assert.Equal(Lost, result.DeadLetters.Inserted);
            var conflict = Assert.Single(result.Conflicts, c => c.Key.Contains(seed.Prefix, StringComparison.Ordinal));
            Assert.Equal((taken, "another record holds one of its unique values; kept"), (conflict.Key, conflict.Reason));
            // Record 1 under its new name, the Lost restored ones and the last, never deleted.
            Assert.Equal(Lost + 2, await TestSql.CountAsync(fixture.Database,
                "SELECT COUNT(*) FROM sonia.dead_letters WHERE dlq_id LIKE @like", ("like", $"dlq_{seed.Prefix}%")));
            foreach (var phase in new[] { "restoring actions", "restoring dead letters" })
            {
                var table = reports.Where(r => r.Phase == phase).ToList();
                Assert.True(table.Count >= 3, $"{phase}: {table.Count} report(s)");
                Assert.Equal(table.Select(r => r.Rows).Order(), table.Select(r => r.Rows));
                Assert.True(table[^1].Total >= Lost + 2 && table[^1].Rows == table[^1].Total, table[^1].ToString());
            }

            Assert.Equal(2, reports[^1].Tables);
        }
        finally
        {
            await seed.DeleteAsync();
        }
    }

    /// <summary>
    /// Makes a backup what a Sonia writing <c>sonia-backup/2</c> stored: its actions artifact without the last column
    /// (<c>submitted_by</c>), that artifact's size and digest in its row and in the manifest, and the manifest's own digest.
    /// </summary>
    private async Task AsFormerFormatAsync(string id)
    {
        var lines = await BackupsClient.LinesAsync(fixture.Database, id, BackupTables.Actions);
        var content = Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l[..l.LastIndexOf('\t')] + "\n")));
        var sha = Convert.ToHexStringLower(SHA256.HashData(content));
        (string, object) key = ("id", id);
        await TestSql.ScalarAsync(fixture.Database, "DELETE FROM sonia.backup_chunks WHERE backup_id = @id AND name = 'actions.tsv'", key);
        await TestSql.ScalarAsync(fixture.Database, "INSERT INTO sonia.backup_chunks (backup_id, name, seq, content) " +
            "VALUES (@id, 'actions.tsv', 0, @content)", key, ("content", content));
        await TestSql.ScalarAsync(fixture.Database, "UPDATE sonia.backup_artifacts SET bytes = @bytes, sha256 = @sha " +
            "WHERE backup_id = @id AND name = 'actions.tsv'", key, ("bytes", (long)content.Length), ("sha", sha));
        var manifest = JsonNode.Parse((byte[])(await TestSql.ScalarAsync(fixture.Database,
            "SELECT manifest FROM sonia.backups WHERE backup_id = @id", key))!)!;
        Assert.Equal(BackupTables.Format, (string?)manifest["format"]);
        manifest["format"] = BackupTables.FormatV2;
        var entry = manifest["artifacts"]!.AsArray().Single(a => (string?)a!["name"] == BackupTables.Actions)!;
        entry["bytes"] = content.Length;
        entry["sha256"] = sha;
        var bytes = JsonSerializer.SerializeToUtf8Bytes(manifest);
        await TestSql.ScalarAsync(fixture.Database, "UPDATE sonia.backups SET manifest = @manifest, manifest_sha256 = @sha " +
            "WHERE backup_id = @id", key, ("manifest", bytes), ("sha", Convert.ToHexStringLower(SHA256.HashData(bytes))));
    }

    private static string ActionId(DeadLetterSeed seed, int g) => $"act_{seed.Prefix}{g:D20}";

    private async Task<string> ActionRowAsync(string actionId) => (string)(await TestSql.ScalarAsync(fixture.Database,
        "SELECT t::text FROM sonia.actions t WHERE action_id = @id", ("id", actionId)))!;

    private async Task<string?> RowAsync(string dlqId) => (string?)await TestSql.ScalarAsync(fixture.Database,
        "SELECT t::text FROM sonia.dead_letters t WHERE dlq_id = @id", ("id", dlqId));

    private async Task<JsonElement> RestoreAsync(string id, string query)
    {
        var (status, body) = await _backups.PostAsync($"/v1/backups/{id}/restore/dlq{query}");
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        return body;
    }
}
