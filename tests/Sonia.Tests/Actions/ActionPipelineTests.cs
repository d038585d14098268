using System.Net;
using System.Text.Json;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Actions;

[Collection(SoniaClusterCollection.Name)]
public sealed class ActionPipelineTests(SoniaClusterFixture fixture)
{
    private readonly ActionsClient _actions = new(fixture.Http);

    [Fact]
    public async Task Echo_RunsToSucceeded_WithEveryTransitionAudited()
    {
        var correlationId = $"echo-{Guid.NewGuid():N}";
        var id = await _actions.SubmitAcceptedAsync("echo", new { hello = "world", n = 1 }, correlationId);

        var action = await _actions.WaitAsync(id);

        ActionsClient.AssertStatus(ActionStatuses.Succeeded, action);
        Assert.Equal("world", action.GetProperty("result").GetProperty("hello").GetString());
        Assert.Equal([ActionStatuses.Accepted, ActionStatuses.Queued, ActionStatuses.Executing, ActionStatuses.Succeeded], ActionsClient.Transitions(action));
        Assert.All(action.GetProperty("audit").EnumerateArray(), a => Assert.Equal(correlationId, a.GetProperty("correlation_id").GetString()));
        Assert.Equal(correlationId, action.GetProperty("correlation_id").GetString());
        var attempt = Assert.Single(action.GetProperty("attempt_log").EnumerateArray());
        Assert.Equal("succeeded", attempt.GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task Accepted_MeansTheRowIsAlreadyInTheDatabase()
    {
        var (status, body) = await _actions.SubmitAsync("drill.sleep", new { ms = 200 });

        Assert.Equal(HttpStatusCode.Accepted, status);
        var id = body.GetProperty("action_id").GetString()!;
        Assert.Equal(1, await TestSql.CountAsync(fixture.Database, "SELECT COUNT(*) FROM sonia.actions WHERE action_id = @id", ("id", id)));
        Assert.Equal(64, body.GetProperty("args_hash").GetString()!.Length);
        Assert.False(string.IsNullOrEmpty(body.GetProperty("correlation_id").GetString()));
        await _actions.WaitAsync(id);
    }

    [Fact]
    public async Task RetryThenSuccess_RecordsEveryAttempt()
    {
        var id = await _actions.SubmitAcceptedAsync("drill.fail", new { failure_class = "executor_error", fail_times = 2 });

        var action = await _actions.WaitAsync(id);

        ActionsClient.AssertStatus(ActionStatuses.Succeeded, action);
        Assert.Equal(3, action.GetProperty("attempts").GetInt32());
        Assert.Equal(["failed", "failed", "succeeded"], action.GetProperty("attempt_log").EnumerateArray().Select(a => a.GetProperty("outcome").GetString()));
        Assert.Equal(2, ActionsClient.Transitions(action).Count(t => t == ActionStatuses.Queued) - 1);
    }

    [Theory]
    [InlineData("executor_error", 3)]
    [InlineData("unknown", 3)]
    [InlineData("rejected", 1)]
    public async Task RetriesExhaustedOrNeverRetried_DeadLettersWithTheRightClass(string failureClass, int attempts)
    {
        var id = await _actions.SubmitAcceptedAsync("drill.fail", new { failure_class = failureClass });

        var action = await _actions.WaitAsync(id);

        ActionsClient.AssertStatus(ActionStatuses.DeadLettered, action);
        Assert.Equal(attempts, action.GetProperty("attempts").GetInt32());
        Assert.Equal(failureClass, action.GetProperty("failure_class").GetString());
        Assert.Equal([ActionStatuses.Failed, ActionStatuses.DeadLettered], ActionsClient.Transitions(action).TakeLast(2));
        await AssertDeadLetterAsync(action, failureClass, attempts);
    }

    [Fact]
    public async Task SlowTool_TimesOutAndDeadLettersAsTimeout()
    {
        var id = await _actions.SubmitAcceptedAsync("drill.sleep", new { ms = 5000 });

        var action = await _actions.WaitAsync(id);

        Assert.Equal(FailureClasses.Timeout, action.GetProperty("failure_class").GetString());
        await AssertDeadLetterAsync(action, FailureClasses.Timeout, 2);
    }

    [Fact]
    public async Task NoteSave_WritesItsMemoryExactlyOnce()
    {
        var text = $"remember {Guid.NewGuid():N}";
        var id = await _actions.SubmitAcceptedAsync("note.save", new { text, tags = new[] { "test" } });

        var action = await _actions.WaitAsync(id);

        ActionsClient.AssertStatus(ActionStatuses.Succeeded, action);
        var memoryId = action.GetProperty("result").GetProperty("memory_id").GetString();
        Assert.Equal(1, await TestSql.CountAsync(fixture.Database, "SELECT COUNT(*) FROM sonia.memories WHERE text = @text", ("text", text)));
        Assert.Equal(1, await TestSql.CountAsync(fixture.Database, "SELECT COUNT(*) FROM sonia.memories WHERE memory_id = @id", ("id", memoryId!)));
    }

    [Fact]
    public async Task EveryActionAndAuditRow_HasACorrelationId()
    {
        await _actions.WaitAsync(await _actions.SubmitAcceptedAsync("echo", new { x = 1 }));

        Assert.Equal(0, await TestSql.CountAsync(fixture.Database, "SELECT COUNT(*) FROM sonia.actions WHERE correlation_id IS NULL OR correlation_id = ''"));
        Assert.Equal(0, await TestSql.CountAsync(fixture.Database, "SELECT COUNT(*) FROM sonia.action_audit WHERE correlation_id IS NULL OR correlation_id = ''"));
        Assert.Equal(0, await TestSql.CountAsync(fixture.Database, "SELECT COUNT(*) FROM sonia.dead_letters WHERE correlation_id IS NULL OR correlation_id = ''"));
        Assert.True(await TestSql.CountAsync(fixture.Database, "SELECT COUNT(*) FROM sonia.action_audit") > 0);
    }

    private async Task AssertDeadLetterAsync(JsonElement action, string failureClass, int attempts)
    {
        var id = action.GetProperty("action_id").GetString()!;
        var dlqId = action.GetProperty("dlq_id").GetString()!;
        Assert.Equal(1, await TestSql.CountAsync(
            fixture.Database,
            "SELECT COUNT(*) FROM sonia.dead_letters WHERE dlq_id = @dlq AND action_id = @id AND failure_class = @class AND attempts = @attempts " +
            "AND status = 'unresolved' AND correlation_id = @correlation AND idempotency_key = @key AND tool = @tool",
            ("dlq", dlqId), ("id", id), ("class", failureClass), ("attempts", attempts),
            ("correlation", action.GetProperty("correlation_id").GetString()!), ("key", action.GetProperty("idempotency_key").GetString()!),
            ("tool", action.GetProperty("tool").GetString()!)));
    }
}
