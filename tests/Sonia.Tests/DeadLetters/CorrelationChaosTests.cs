using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Tests.Actions;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.DeadLetters;

/// <summary>
/// Issue 13, chaos drill 4: one correlation id from the failing request to the replayed action's audit rows and the
/// executor's X-Correlation-ID. (The in-process test silos write no JSON Lines file; the silo log lines are not checked here.)
/// </summary>
[Collection(SoniaClusterCollection.Name)]
public sealed class CorrelationChaosTests(SoniaClusterFixture fixture)
{
    private readonly ActionsClient _actions = new(fixture.Http);

    [Fact]
    [Trait("Category", "Chaos")]
    public async Task CorrelationId_SurvivesFailureDeadLetterAndReplay_IntoTheNewActionsAuditAndExecutorCalls()
    {
        var correlationId = $"chaos4-{Guid.NewGuid():N}";
        var original = await DeadLetterMaker.DeadLetteredAsync(_actions, correlationId);
        var dlqId = original.GetProperty("dlq_id").GetString()!;
        var record = await fixture.Http.GetFromJsonAsync<JsonElement>($"/v1/dlq/{dlqId}");
        Assert.Equal(correlationId, record.GetProperty("correlation_id").GetString());

        // The replay is asked for by another request, with a correlation id of its own: the action keeps the original one.
        using var replayRequest = new HttpRequestMessage(HttpMethod.Post, $"/v1/dlq/{dlqId}/replay?dry_run=false");
        replayRequest.Headers.Add("X-Correlation-ID", $"operator-{Guid.NewGuid():N}");
        using var response = await fixture.Http.SendAsync(replayRequest);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var replayId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("replay_action_id").GetString()!;
        var replayed = await _actions.WaitAsync(replayId);

        ActionsClient.AssertStatus(ActionStatuses.Succeeded, replayed);
        Assert.Equal(correlationId, replayed.GetProperty("correlation_id").GetString());
        Assert.NotEmpty(replayed.GetProperty("audit").EnumerateArray());
        Assert.Equal(0, await TestSql.CountAsync(fixture.Database,
            "SELECT COUNT(*) FROM sonia.action_audit WHERE action_id = @id AND correlation_id <> @correlation",
            ("id", replayId), ("correlation", correlationId)));
        Assert.True(await TestSql.CountAsync(fixture.Database, "SELECT COUNT(*) FROM sonia.action_audit WHERE action_id = @id",
            ("id", replayId)) > 0);
        Assert.All(fixture.Executor.For(replayId), r => Assert.Equal(correlationId, r.CorrelationId));
    }
}
