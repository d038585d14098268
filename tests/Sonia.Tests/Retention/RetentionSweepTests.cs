using System.Net.Http.Json;
using System.Text.Json;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Retention;

/// <summary>The purge as the cluster runs it: from the recovery sweep, on the rows Sonia itself wrote.</summary>
[Collection(SoniaClusterCollection.Name)]
public sealed class RetentionSweepTests(SoniaClusterFixture fixture)
{
    [Fact]
    public async Task Sweep_PurgesATerminalActionAndAnIdleSessionPastRetention_AndKeepsFreshOnes()
    {
        var old = DateTimeOffset.UtcNow.AddDays(-60);
        using var opened = await fixture.Http.PostAsync("/v1/sessions", null);
        var sessionId = (await opened.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("session_id").GetString()!;
        using var fresh = await fixture.Http.PostAsync("/v1/sessions", null);
        var freshId = (await fresh.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("session_id").GetString()!;
        var actions = new Sonia.Tests.Actions.ActionsClient(fixture.Http);
        var actionId = await actions.SubmitAcceptedAsync("echo", new { marker = Guid.NewGuid().ToString("N") });
        Sonia.Tests.Actions.ActionsClient.AssertStatus(ActionStatuses.Succeeded, await actions.WaitAsync(actionId));
        await TestSql.ScalarAsync(fixture.Database, "UPDATE orleansstorage SET modifiedon = @at WHERE grainidextensionstring = @id", ("at", old), ("id", sessionId));
        await TestSql.ScalarAsync(fixture.Database, "UPDATE sonia.actions SET updated_at = @at WHERE action_id = @id", ("at", old), ("id", actionId));

        await fixture.Cluster.Client.GetGrain<IActionRecoveryGrain>(IActionRecoveryGrain.ClusterKey).SweepAsync();

        Assert.Equal(0, await TestSql.CountAsync(fixture.Database, "SELECT COUNT(*) FROM orleansstorage WHERE grainidextensionstring = @id", ("id", sessionId)));
        Assert.Equal(1, await TestSql.CountAsync(fixture.Database, "SELECT COUNT(*) FROM orleansstorage WHERE grainidextensionstring = @id", ("id", freshId)));
        Assert.Equal(0, await TestSql.CountAsync(fixture.Database, "SELECT COUNT(*) FROM sonia.actions WHERE action_id = @id", ("id", actionId)));
        Assert.Equal(0, await TestSql.CountAsync(fixture.Database, "SELECT COUNT(*) FROM sonia.action_audit WHERE action_id = @id", ("id", actionId)));
    }
}
