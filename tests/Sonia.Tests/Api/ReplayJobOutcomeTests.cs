using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Tests.Actions;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Api;

/// <summary>Issue 9, item 7: a batch replay reports what the new actions did, not "succeeded" for a replay started.</summary>
[Collection(SoniaClusterCollection.Name)]
public sealed class ReplayJobOutcomeTests(SoniaClusterFixture fixture)
{
    private readonly ActionsClient _actions = new(fixture.Http);

    [Fact]
    public async Task BatchReplay_WhoseActionDeadLettersAgain_ReportsReplayedButNotSucceeded()
    {
        var actionId = await _actions.SubmitAcceptedAsync(
            "drill.fail", new { failure_class = FailureClasses.ExecutorError, message = $"again-{Guid.NewGuid():N}" });
        var original = await _actions.WaitAsync(actionId);
        ActionsClient.AssertStatus(ActionStatuses.DeadLettered, original);
        var dlqId = original.GetProperty("dlq_id").GetString()!;

        var (status, job) = await _actions.PostAsync("/v1/dlq/replay", new { ids = new[] { dlqId }, dry_run = false, max_per_second = 10 });

        Assert.Equal(HttpStatusCode.Accepted, status);
        var jobId = job.GetProperty("job_id").GetString()!;
        var ended = await Eventually.ResultAsync(
            () => fixture.Http.GetFromJsonAsync<JsonElement>($"/v1/dlq/replays/{jobId}"),
            ActionsClient.Settle,
            j => j.GetProperty("status").GetString() == "completed" && j.GetProperty("actions_pending").GetInt32() == 0);
        Assert.Equal(1, ended.GetProperty("replayed").GetInt32());
        Assert.Equal(0, ended.GetProperty("succeeded").GetInt32());
        Assert.Equal(1, ended.GetProperty("actions_failed").GetInt32());
        var item = Assert.Single(ended.GetProperty("items").EnumerateArray());
        Assert.Equal(ActionStatuses.DeadLettered, item.GetProperty("action_status").GetString());
        Assert.Equal(FailureClasses.ExecutorError, item.GetProperty("action_failure_class").GetString());
    }
}
