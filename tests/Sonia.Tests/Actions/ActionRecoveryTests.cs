using Sonia.Grains.Interfaces.Actions;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Actions;

[Collection(SoniaClusterCollection.Name)]
public sealed class ActionRecoveryTests(SoniaClusterFixture fixture)
{
    [Fact]
    public async Task Sweep_ResumesAnActionWhoseOwnerStoppedRenewingItsLease()
    {
        // A row as a silo that died mid-attempt leaves it: executing, lease run out, no activation anywhere.
        var id = ActionIds.New();
        var past = DateTimeOffset.UtcNow.AddMinutes(-5);
        await TestSql.ScalarAsync(fixture.Database,
            "INSERT INTO sonia.actions (action_id, tool, args, args_hash, request_hash, idempotency_key, status, requires_confirmation, attempts, " +
            "correlation_id, created_at, updated_at, lease_until, version) VALUES (@id, 'echo', '{\"orphan\":true}', @hash, @hash, @id, 'executing', false, 1, " +
            "'orphan-corr', @past, @past, @past, 3)",
            ("id", id), ("hash", new string('a', 64)), ("past", past));

        // Nothing reads the action through its grain until the sweep (explicit here, or the reminder's) has resumed it.
        await fixture.Cluster.Client.GetGrain<IActionRecoveryGrain>(IActionRecoveryGrain.ClusterKey).SweepAsync();
        await Eventually.ResultAsync(
            () => TestSql.CountAsync(fixture.Database, "SELECT COUNT(*) FROM sonia.actions WHERE action_id = @id AND status = 'succeeded'", ("id", id)),
            ActionsClient.Settle,
            n => n == 1);

        var action = await new ActionsClient(fixture.Http).GetAsync(id);
        Assert.Equal(2, action.GetProperty("attempts").GetInt32());
        var resumed = action.GetProperty("audit").EnumerateArray().First();
        Assert.Contains("interrupted", resumed.GetProperty("detail").GetString());
        Assert.Equal("orphan-corr", resumed.GetProperty("correlation_id").GetString());
    }
}
