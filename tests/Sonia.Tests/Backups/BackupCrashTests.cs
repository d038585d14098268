using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sonia.Grains.Interfaces.Backups;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Backups;

public sealed class BackupCrashClusterFixture : SoniaClusterFixture;

/// <summary>Its own cluster: the test kills the silo running a backup mid-snapshot.</summary>
[Trait("Category", "Chaos")]
public sealed class BackupCrashTests(BackupCrashClusterFixture fixture) : IClassFixture<BackupCrashClusterFixture>
{
    [Fact]
    public async Task SiloKilledMidSnapshot_JobResumesOnAnotherSilo_AndTheBackupVerifies()
    {
        // Hold the schema journal so the snapshot's first read waits: the job is provably mid-snapshot when its silo dies.
        await using var blocker = fixture.Database.CreateConnection();
        await blocker.OpenAsync();
        var hold = await blocker.BeginTransactionAsync();
        await using (var lockCommand = blocker.CreateCommand())
        {
            lockCommand.Transaction = hold;
            lockCommand.CommandText = "LOCK TABLE sonia.schema_versions IN ACCESS EXCLUSIVE MODE";
            await lockCommand.ExecuteNonQueryAsync();
        }

        using var response = await fixture.Http.PostAsJsonAsync("/v1/backups", new { label = "crash" });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("backup_id").GetString()!;
        var waiting = await Eventually.ResultAsync(() => WaitingBackendAsync(), TimeSpan.FromSeconds(30), pid => pid is not null);

        var management = fixture.Cluster.Client.GetGrain<IManagementGrain>(0);
        var host = await management.GetActivationAddress(fixture.Cluster.Client.GetGrain<IBackupGrain>(id));
        Assert.NotNull(host);
        await fixture.Cluster.KillSiloAsync(fixture.Cluster.GetSiloForAddress(host)!);

        // A killed process's connections close with it; in this in-process cluster the test closes the dead silo's one.
        await TestSql.ScalarAsync(fixture.Database, "SELECT pg_terminate_backend(@pid)", ("pid", waiting!.Value));
        await hold.CommitAsync();

        var done = await Eventually.ResultAsync(
            () => fixture.Http.GetFromJsonAsync<JsonElement>($"/v1/backups/{id}"), TimeSpan.FromSeconds(120),
            b => b.GetProperty("status").GetString() != "running");
        Assert.True(done.GetProperty("status").GetString() == "succeeded", done.ToString());
        var verification = await fixture.Http.GetFromJsonAsync<JsonElement>($"/v1/backups/{id}/verify");
        Assert.True(verification.GetProperty("passed").GetBoolean(), verification.ToString());
        var state = (string?)await TestSql.ScalarAsync(fixture.Database,
            "SELECT convert_from(payloadbinary, 'UTF8') FROM public.orleansstorage " +
            "WHERE graintypestring = 'backup-job' AND payloadbinary::text <> '' " +
            "AND convert_from(payloadbinary, 'UTF8') LIKE '%crash%'");
        Assert.Contains("\"attempts\":2", state, StringComparison.Ordinal);
    }

    /// <summary>The backend of the backup's snapshot, waiting for the lock; null until it waits.</summary>
    private async Task<int?> WaitingBackendAsync() => (int?)await TestSql.ScalarAsync(fixture.Database,
        "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%schema_versions%' LIMIT 1");
}
