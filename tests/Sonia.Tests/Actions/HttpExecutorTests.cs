using System.Net.Http.Json;
using System.Text.Json;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Actions;

/// <summary>The HTTP executor against a real loopback server answering 200, 500, 400 and too slowly.</summary>
[Collection(SoniaClusterCollection.Name)]
public sealed class HttpExecutorTests(SoniaClusterFixture fixture)
{
    private readonly ActionsClient _actions = new(fixture.Http);

    [Fact]
    public async Task Ok_Succeeds_WithTheIdempotencyKeyCorrelationIdAndBearerToken()
    {
        var correlationId = $"http-{Guid.NewGuid():N}";
        var id = await _actions.SubmitAcceptedAsync("t.http", new { mode = "ok" }, correlationId);

        var action = await _actions.WaitAsync(id);

        ActionsClient.AssertStatus(ActionStatuses.Succeeded, action);
        var request = Assert.Single(fixture.Executor.For(id));
        Assert.Equal(action.GetProperty("idempotency_key").GetString(), request.IdempotencyKey);
        Assert.Equal(correlationId, request.CorrelationId);
        Assert.Equal("Bearer test-secret-api-key", request.Authorization);
        Assert.True(action.GetProperty("result").GetProperty("done").GetBoolean());
    }

    [Fact]
    public async Task ServerError_IsRetriedWithTheSameKey_ThenDeadLettered()
    {
        var id = await _actions.SubmitAcceptedAsync("t.http", new { mode = "status", status = 500 });

        var action = await _actions.WaitAsync(id);

        ActionsClient.AssertStatus(ActionStatuses.DeadLettered, action);
        Assert.Equal(FailureClasses.ExecutorError, action.GetProperty("failure_class").GetString());
        var requests = fixture.Executor.For(id);
        Assert.Equal([1, 2, 3], requests.Select(r => r.Attempt));
        Assert.Single(requests.Select(r => r.IdempotencyKey).Distinct());
    }

    [Fact]
    public async Task ClientError_IsRejectedWithoutRetry()
    {
        var id = await _actions.SubmitAcceptedAsync("t.http", new { mode = "status", status = 400 });

        var action = await _actions.WaitAsync(id);

        ActionsClient.AssertStatus(ActionStatuses.DeadLettered, action);
        Assert.Equal(FailureClasses.Rejected, action.GetProperty("failure_class").GetString());
        Assert.Single(fixture.Executor.For(id));
    }

    /// <summary>Issue 13, chaos drill 1: the adapter times out, and the dead letter says so with the request's correlation id.</summary>
    [Fact]
    [Trait("Category", "Chaos")]
    public async Task TooSlow_TimesOut_IsRetried_AndDeadLettersAsTimeout_WithTheCorrelationId()
    {
        var correlationId = $"chaos1-{Guid.NewGuid():N}";
        var id = await _actions.SubmitAcceptedAsync("t.http-fast", new { mode = "slow", ms = 3000 }, correlationId);

        var action = await _actions.WaitAsync(id);

        ActionsClient.AssertStatus(ActionStatuses.DeadLettered, action);
        Assert.Equal(FailureClasses.Timeout, action.GetProperty("failure_class").GetString());
        Assert.Equal(2, action.GetProperty("attempts").GetInt32());
        var record = await fixture.Http.GetFromJsonAsync<JsonElement>($"/v1/dlq/{action.GetProperty("dlq_id").GetString()}");
        Assert.Equal(FailureClasses.Timeout, record.GetProperty("failure_class").GetString());
        Assert.Equal(correlationId, record.GetProperty("correlation_id").GetString());
        Assert.Equal(id, record.GetProperty("action_id").GetString());
        Assert.All(fixture.Executor.For(id), r => Assert.Equal(correlationId, r.CorrelationId));
    }
}
