using Sonia.Grains.Interfaces.Actions;
using Sonia.Tests.Infrastructure;
using Sonia.Tests.Sessions;

namespace Sonia.Tests.Actions;

/// <summary>Its own cluster: the test kills the silo running an action.</summary>
public sealed class ActionCrashTests(KillableClusterFixture fixture) : IClassFixture<KillableClusterFixture>
{
    [Fact]
    [Trait("Category", "Chaos")]
    public async Task SiloKilledDuringExecution_ActionStillEnds_AndTheSideEffectRanOnce()
    {
        var actions = new ActionsClient(fixture.Http);
        var id = await actions.SubmitAcceptedAsync("t.http", new { mode = "hang_first", ms = 8000 });
        await Eventually.ResultAsync(() => Task.FromResult(fixture.Executor.For(id).Count), TimeSpan.FromSeconds(30), n => n >= 1);

        var grain = fixture.Cluster.Client.GetGrain<IActionGrain>(id);
        var host = await fixture.Cluster.Client.GetGrain<IManagementGrain>(0).GetActivationAddress(grain);
        Assert.NotNull(host);
        await fixture.Cluster.KillSiloAsync(fixture.Cluster.GetSiloForAddress(host)!);

        var action = await actions.WaitAsync(id);

        ActionsClient.AssertStatus(ActionStatuses.Succeeded, action);
        var key = action.GetProperty("idempotency_key").GetString()!;

        // Raw counts at the executor, before its own de-duplication: one request for the attempt the crash cut off,
        // exactly one more for the attempt that resumed it, both with the action's one key.
        var requests = fixture.Executor.For(id);
        Assert.Equal([1, 2], requests.Select(r => r.Attempt));
        Assert.Equal(2, fixture.Executor.RequestsFor(key));
        Assert.All(requests, r => Assert.Equal(key, r.IdempotencyKey));
        Assert.Equal(2, action.GetProperty("attempts").GetInt32());
        Assert.True(action.GetProperty("result").GetProperty("done").GetBoolean());
    }
}
