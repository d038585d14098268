using Sonia.Grains.Interfaces.Actions;
using Sonia.Tests.Actions;
using Sonia.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Sonia.Tests.Recovery;

/// <summary>
/// Issue 13: work owned by a silo that died resumes as soon as membership declares it dead, not when its lease runs
/// out. Leases here last minutes and the recovery sweep runs every ten, so only the membership path can end it in time.
/// </summary>
public sealed class DeadSiloLeaseTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(45);

    [Fact]
    [Trait("Category", "Chaos")]
    public async Task SiloKilled_ItsInFlightActionsResumeWhenDeclaredDead_WellBeforeLeaseExpiry()
    {
        await using var executor = await FakeExecutor.StartAsync();
        await using var own = await OwnDatabaseCluster.StartAsync(2, new Dictionary<string, string?>
        {
            ["Sonia:Actions:LeaseDuration"] = "00:05:00",
            ["Sonia:Actions:RecoveryInterval"] = "00:10:00",
            ["Sonia:Actions:Executors:fake:BaseUrl"] = executor.BaseUrl,
            ["Sonia:Actions:Tools:t.hang:Executor"] = "fake",
            ["Sonia:Actions:Tools:t.hang:Timeout"] = "00:03:00",
        });
        var actions = new ActionsClient(own.Http);
        var ids = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            ids.Add(await actions.SubmitAcceptedAsync("t.hang", new { mode = "hang_first", ms = 15_000, n = i }));
        }

        await Eventually.ResultAsync(() => Task.FromResult(ids.Count(id => executor.For(id).Count >= 1)), Budget, n => n == ids.Count);

        // Kill the silo holding the first action; its lease names that silo instance. The other silo's first calls answer
        // after 15 s; the victim's never do, so they end only when resumed elsewhere (the executor replays its answer).
        var grain = own.Cluster.Client.GetGrain<IActionGrain>(ids[0]);
        var host = await own.Cluster.Client.GetGrain<IManagementGrain>(0).GetActivationAddress(grain);
        Assert.NotNull(host);
        var owners = await LeaseOwnersAsync(own, ids);
        Assert.Equal(host.ToParsableString(), owners[ids[0]]);
        var onVictim = ids.Where(id => owners[id] == host.ToParsableString()).ToList();
        var leaseEnds = await TestSql.CountAsync(own.Database,
            "SELECT CAST(EXTRACT(EPOCH FROM MIN(lease_until) - now()) AS int) FROM sonia.actions WHERE status = 'executing'");
        Assert.True(leaseEnds > 120, $"leases run out in {leaseEnds} s: the test would not tell membership from expiry");

        var killed = DateTime.UtcNow;
        await own.Cluster.KillSiloAsync(own.Cluster.GetSiloForAddress(host)!);

        // Watched in the database, never through the API: reading an action activates its grain, which resumes it too.
        var unfinished = await Eventually.ResultAsync(
            () => TestSql.CountAsync(own.Database, "SELECT COUNT(*) FROM sonia.actions WHERE status <> 'succeeded'"), Budget, n => n == 0)
            .ContinueWith(async t => t.IsCompletedSuccessfully ? t.Result : throw new Xunit.Sdk.XunitException(
                $"actions still unfinished {Budget.TotalSeconds:0} s after the kill:\n{await DumpAsync(own)}")).Unwrap();
        var took = DateTime.UtcNow - killed;
        Assert.Equal(0, unfinished);
        Assert.NotEmpty(onVictim);
        foreach (var id in ids)
        {
            // The side effect ran once: the resumed attempt got the executor's stored answer for the same key.
            var action = await actions.GetAsync(id);
            ActionsClient.AssertStatus(ActionStatuses.Succeeded, action);
            var key = action.GetProperty("idempotency_key").GetString()!;
            Assert.All(executor.For(id), r => Assert.Equal(key, r.IdempotencyKey));
        }

        output.WriteLine($"{onVictim.Count} action(s) of the killed silo ended {took.TotalSeconds:0.0} s after the kill (leases had {leaseEnds} s left)");
        Assert.True(took < Budget, $"the dead silo's {onVictim.Count} action(s) ended {took.TotalSeconds:0} s after the kill");
        Assert.All(onVictim, id => Assert.Equal(2, executor.For(id).Count));
    }

    /// <summary>What the database says about the actions and the silos, for a failure message.</summary>
    private static async Task<string> DumpAsync(OwnDatabaseCluster own) =>
        await TestSql.ScalarAsync(own.Database,
            "SELECT string_agg(action_id || ' ' || status || ' ' || coalesce(lease_owner, '-'), E'\\n') FROM sonia.actions") + "\n" +
        await TestSql.ScalarAsync(own.Database,
            "SELECT string_agg(address || ':' || port || '@' || generation || ' status ' || status, E'\\n') FROM orleansmembership");

    private static async Task<Dictionary<string, string>> LeaseOwnersAsync(OwnDatabaseCluster own, IReadOnlyList<string> ids)
    {
        var owners = new Dictionary<string, string>();
        foreach (var id in ids)
        {
            owners[id] = (string)(await TestSql.ScalarAsync(own.Database, "SELECT lease_owner FROM sonia.actions WHERE action_id = @id", ("id", id)))!;
        }

        return owners;
    }
}
