using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sonia.Grains.Interfaces.DeadLetters;
using Sonia.Tests.Actions;
using Sonia.Tests.Infrastructure;
using Sonia.Tests.Sessions;

namespace Sonia.Tests.DeadLetters;

/// <summary>Its own cluster: the test kills the silo running a batch replay.</summary>
public sealed class ReplayJobCrashTests(KillableClusterFixture fixture) : IClassFixture<KillableClusterFixture>
{
    [Fact]
    public async Task SiloKilledMidBatch_JobResumes_AndEveryRecordIsReplayedExactlyOnce()
    {
        var actions = new ActionsClient(fixture.Http);
        var originals = new List<JsonElement>();
        for (var i = 0; i < 6; i++)
        {
            originals.Add(await DeadLetterMaker.DeadLetteredAsync(actions));
        }

        var ids = originals.Select(o => o.GetProperty("dlq_id").GetString()!).ToArray();
        var (status, job) = await actions.PostAsync("/v1/dlq/replay", new { ids, dry_run = false, max_per_second = 2 });
        Assert.Equal(HttpStatusCode.Accepted, status);
        var jobId = job.GetProperty("job_id").GetString()!;
        await Eventually.ResultAsync(() => fixture.Http.GetFromJsonAsync<JsonElement>($"/v1/dlq/replays/{jobId}"), ActionsClient.Settle,
            j => j.GetProperty("done").GetInt32() >= 2);

        var host = await fixture.Cluster.Client.GetGrain<IManagementGrain>(0).GetActivationAddress(fixture.Cluster.Client.GetGrain<IReplayJobGrain>(jobId));
        Assert.NotNull(host);
        await fixture.Cluster.KillSiloAsync(fixture.Cluster.GetSiloForAddress(host)!);

        var done = await Eventually.ResultAsync(() => fixture.Http.GetFromJsonAsync<JsonElement>($"/v1/dlq/replays/{jobId}"), TimeSpan.FromSeconds(120),
            j => j.GetProperty("status").GetString() == "completed");
        Assert.True(6 == done.GetProperty("replayed").GetInt32(), done.ToString());
        Assert.Equal(6, done.GetProperty("done").GetInt32());
        foreach (var original in originals)
        {
            var actionId = original.GetProperty("action_id").GetString()!;
            Assert.Equal(1, await TestSql.CountAsync(fixture.Database, "SELECT COUNT(*) FROM sonia.actions WHERE replay_of = @id", ("id", actionId)));
            var replayId = (string)(await TestSql.ScalarAsync(fixture.Database, "SELECT action_id FROM sonia.actions WHERE replay_of = @id", ("id", actionId)))!;
            var replayed = await actions.WaitAsync(replayId);
            ActionsClient.AssertStatus("succeeded", replayed);

            // Raw counts at the executor, before its own de-duplication: no request Sonia did not record as an
            // attempt (3 failed ones, then the replay's), and one success per key.
            var key = original.GetProperty("idempotency_key").GetString()!;
            Assert.Equal(3 + replayed.GetProperty("attempts").GetInt32(), fixture.Executor.RequestsFor(key));
            Assert.Equal(1, fixture.Executor.SuccessesFor(key));
        }
    }
}
