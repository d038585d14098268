using System.Net;
using System.Text.Json;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Backups;

[Collection(SoniaClusterCollection.Name)]
public sealed class BackupApiTests(SoniaClusterFixture fixture)
{
    private readonly BackupsClient _backups = new(fixture.Http);

    [Fact]
    public async Task Create_ThenGetListAndVerify_AllArtifactsMatchInAppAndDatabase()
    {
        var label = $"api-{Guid.NewGuid():N}";
        var backup = await _backups.CreateAsync(label);
        var id = backup.GetProperty("backup_id").GetString()!;

        Assert.Equal("succeeded", backup.GetProperty("status").GetString());
        var names = backup.GetProperty("artifacts").EnumerateArray().Select(a => a.GetProperty("name").GetString()).ToList();
        foreach (var expected in new[] { "dead_letters.tsv", "actions.tsv", "action_audit.tsv", "action_attempts.tsv", "executions.tsv",
                     "memories.tsv", "operator_audit.tsv", "breakers.tsv", "sessions.tsv", "schema_versions.tsv", "config/effective.json" })
        {
            Assert.Contains(expected, names);
        }

        var (listed, list) = await _backups.GetAsync("/v1/backups?last_n=200");
        Assert.Equal(HttpStatusCode.OK, listed);
        var created = list.GetProperty("backups").EnumerateArray().Select(b => b.GetProperty("created_at").GetDateTimeOffset()).ToList();
        Assert.Equal(created.OrderDescending(), created);
        Assert.Contains(list.GetProperty("backups").EnumerateArray(), b => b.GetProperty("label").GetString() == label);

        var (status, verification) = await _backups.GetAsync($"/v1/backups/{id}/verify");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(verification.GetProperty("passed").GetBoolean(), verification.ToString());
        foreach (var artifact in verification.GetProperty("artifacts").EnumerateArray())
        {
            var manifest = artifact.GetProperty("sha256_manifest").GetString();
            Assert.Equal(manifest, artifact.GetProperty("sha256_app").GetString());
            Assert.Equal(manifest, artifact.GetProperty("sha256_db").GetString());
        }

        var restore = verification.GetProperty("test_restore");
        Assert.True(restore.GetProperty("passed").GetBoolean(), restore.ToString());
        Assert.Equal(["actions", "dead_letters"],
            restore.GetProperty("tables").EnumerateArray().Select(t => t.GetProperty("table").GetString()!).Order());
        Assert.Equal(0, await TestSql.CountAsync(fixture.Database,
            "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name LIKE 'sonia_verify%'"));

        var history = (await _backups.GetAsync($"/v1/backups/{id}")).Body.GetProperty("verifications");
        Assert.True(history[history.GetArrayLength() - 1].GetProperty("passed").GetBoolean());
        Assert.Equal(1, await TestSql.CountAsync(fixture.Database,
            "SELECT COUNT(*) FROM sonia.operator_audit WHERE operation = 'backup.create' AND target = @id", ("id", id)));
        Assert.True(await TestSql.CountAsync(fixture.Database,
            "SELECT COUNT(*) FROM sonia.operator_audit WHERE operation = 'backup.verify' AND target = @id", ("id", id)) >= 1);
    }

    [Fact]
    public async Task ConfigArtifact_HasNoSecret_AndManifestNamesTheFrozenDependencies()
    {
        var id = (await _backups.CreateAsync()).GetProperty("backup_id").GetString()!;

        var config = System.Text.Encoding.UTF8.GetString(
            (await BackupsClient.ContentAsync(fixture.Database, id, "config/effective.json"))!);
        Assert.DoesNotContain("test-secret-api-key", config, StringComparison.Ordinal);
        Assert.Contains("Sonia:Actions:Executors:fake:ApiKey", config, StringComparison.Ordinal);
        var manifest = System.Text.Encoding.UTF8.GetString((byte[])(await TestSql.ScalarAsync(fixture.Database,
            "SELECT manifest FROM sonia.backups WHERE backup_id = @id", ("id", id)))!);
        var frozen = File.Exists(Path.Combine(Repo.Root, "deploy", "dependencies.frozen.txt"));
        Assert.Contains(frozen ? "config/dependencies.frozen.txt" : "dependencies.frozen.txt is absent", manifest,
            StringComparison.Ordinal);
        Assert.Contains("config/Grains/packages.lock.json", manifest, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownAndMalformedIds_And_BadInput_AnswerProblems_AndChangeNothing()
    {
        var unknown = Sonia.Grains.Interfaces.Backups.BackupIds.New();
        var before = await TestSql.CountAsync(fixture.Database, "SELECT COUNT(*) FROM sonia.backups");

        Assert.Equal(HttpStatusCode.NotFound, (await _backups.GetAsync($"/v1/backups/{unknown}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await _backups.GetAsync($"/v1/backups/{unknown}/verify")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await _backups.PostAsync($"/v1/backups/{unknown}/restore/dlq")).Status);
        using (var export = await fixture.Http.GetAsync($"/v1/backups/{unknown}/export"))
        {
            Assert.Equal(HttpStatusCode.NotFound, export.StatusCode);
        }

        var (badId, problem) = await _backups.GetAsync("/v1/backups/not-a-backup");
        Assert.Equal(HttpStatusCode.BadRequest, badId);
        Assert.Contains("bak_", problem.ToString(), StringComparison.Ordinal);
        var (badDryRun, dryProblem) = await _backups.PostAsync($"/v1/backups/{unknown}/restore/dlq?dry_run=maybe");
        Assert.Equal(HttpStatusCode.BadRequest, badDryRun);
        Assert.Contains("dry_run", dryProblem.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await _backups.PostAsync("/v1/backups", new { label = new string('x', 201) })).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await _backups.GetAsync("/v1/backups?last_n=0")).Status);
        Assert.Equal(before, await TestSql.CountAsync(fixture.Database, "SELECT COUNT(*) FROM sonia.backups"));
    }

    [Fact]
    public async Task Retention_KeepsTheNewestSeven_AndAuditsEachDeletion()
    {
        var first = (await _backups.CreateAsync("retention-first")).GetProperty("backup_id").GetString()!;
        for (var i = 0; i < 7; i++)
        {
            await _backups.CreateAsync($"retention-{i}");
        }

        Assert.True(7 >= await TestSql.CountAsync(fixture.Database, "SELECT COUNT(*) FROM sonia.backups WHERE status <> 'running'"));
        Assert.Equal(HttpStatusCode.NotFound, (await _backups.GetAsync($"/v1/backups/{first}")).Status);
        Assert.Equal(0, await TestSql.CountAsync(fixture.Database,
            "SELECT COUNT(*) FROM sonia.backup_artifacts WHERE backup_id = @id", ("id", first)));
        Assert.Equal(1, await TestSql.CountAsync(fixture.Database,
            "SELECT COUNT(*) FROM sonia.operator_audit WHERE operation = 'backup.delete' AND target = @id AND actor = 'retention'",
            ("id", first)));
    }
}
