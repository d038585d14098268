using System.Net;
using Sonia.Grains.Interfaces.Actions;

namespace Sonia.Tests.Actions;

/// <summary>The confirmation deadline, on both sides, with the action grains' clock under the test's control.</summary>
[Collection(SmallLedgerClusterCollection.Name)]
public sealed class ConfirmationExpiryTests(SmallLedgerClusterFixture fixture)
{
    private readonly ActionsClient _actions = new(fixture.Http);

    [Fact]
    public async Task RealTimeSleepDefect_ApproveJustBeforeTheDeadlineRuns_ApproveAtTheDeadlineIsExpired409()
    {
        // The one-change ledger queue: an action of the test before this one still finishing would refuse ours (503).
        await fixture.SettledAsync();
        var (_, early) = await _actions.SubmitAsync(SmallLedgerClusterFixture.ExpiringTool, new { n = 1 });
        var (_, late) = await _actions.SubmitAsync(SmallLedgerClusterFixture.ExpiringTool, new { n = 2 });
        ActionsClient.AssertStatus(ActionStatuses.AwaitingConfirmation, early);
        ActionsClient.AssertStatus(ActionStatuses.AwaitingConfirmation, late);

        fixture.Clock.Advance(SmallLedgerClusterFixture.ConfirmationTimeout - TimeSpan.FromSeconds(1));
        var (approvedStatus, approved) = await ApproveAsync(early);
        fixture.Clock.Advance(TimeSpan.FromSeconds(1));
        var (expiredStatus, problem) = await ApproveAsync(late);

        Assert.Equal(HttpStatusCode.OK, approvedStatus);
        ActionsClient.AssertStatus(ActionStatuses.Queued, approved);
        Assert.Equal(HttpStatusCode.Conflict, expiredStatus);
        Assert.Equal(FailureClasses.ConfirmationExpired, problem.GetProperty("failure_class").GetString());
        var stored = await _actions.GetAsync(late.GetProperty("action_id").GetString()!);
        ActionsClient.AssertStatus(ActionStatuses.Expired, stored);
        Assert.Equal([ActionStatuses.Accepted, ActionStatuses.AwaitingConfirmation, ActionStatuses.Expired], ActionsClient.Transitions(stored));
    }

    private Task<(HttpStatusCode Status, System.Text.Json.JsonElement Body)> ApproveAsync(System.Text.Json.JsonElement created) =>
        _actions.PostAsync(
            $"/v1/actions/{created.GetProperty("action_id").GetString()}/approve",
            new { args_hash = created.GetProperty("args_hash").GetString() });
}
