using System.Net.Http.Json;
using System.Text.Json;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Actions;

/// <summary>
/// Issue 8, item 1: an attempt refused by an open breaker is not a failed execution. The action waits for the
/// breaker without spending attempts, bounded by the tool's MaxBreakerWait. <c>t.wait</c> and <c>t.wait-short</c>
/// run on their own executor (<c>executor.waiting</c>), so isolating it touches no other test's tools.
/// </summary>
[Collection(SoniaClusterCollection.Name)]
public sealed class BreakerWaitTests(SoniaClusterFixture fixture)
{
    private readonly ActionsClient _actions = new(fixture.Http);

    [Fact]
    public async Task RefusedByOpenBreaker_SpendsNoAttempt_WaitsQueued_AndRunsOnceTheBreakerCloses()
    {
        await IsolateAsync("executor.waiting");
        string id;
        try
        {
            id = await _actions.SubmitAcceptedAsync("t.wait", new { mode = "ok", marker = Guid.NewGuid().ToString("N") });

            // t.wait keeps the default 3 attempts: refused ones were spent in about 3 s, and the action dead-lettered.
            var waiting = await Eventually.ResultAsync(() => _actions.GetAsync(id), ActionsClient.Settle,
                a => a.GetProperty("audit").EnumerateArray().Count(IsBreakerWait) >= 3);
            ActionsClient.AssertStatus(ActionStatuses.Queued, waiting);
            Assert.Equal(0, waiting.GetProperty("attempts").GetInt32());
            Assert.Equal("breaker_open", waiting.GetProperty("failure_class").GetString());
            Assert.True(waiting.GetProperty("next_attempt_at").GetDateTimeOffset() > waiting.GetProperty("updated_at").GetDateTimeOffset());
            Assert.True(waiting.GetProperty("expires_at").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(5), $"{waiting}");
            Assert.Empty(waiting.GetProperty("attempt_log").EnumerateArray());
            Assert.Empty(fixture.Executor.For(id));
        }
        finally
        {
            await _actions.PostAsync("/v1/breakers/executor.waiting/reset", new { reason = "test over" });
        }

        var done = await _actions.WaitAsync(id);
        ActionsClient.AssertStatus(ActionStatuses.Succeeded, done);
        Assert.Equal(1, done.GetProperty("attempts").GetInt32());
        Assert.Single(done.GetProperty("attempt_log").EnumerateArray());
        var key = done.GetProperty("idempotency_key").GetString()!;
        Assert.Equal(1, fixture.Executor.RequestsFor(key));
    }

    [Fact]
    public async Task BreakerStillOpenAfterMaxBreakerWait_DeadLettersAsBreakerOpen_WithoutHavingSpentAnAttempt()
    {
        await IsolateAsync("executor.waiting");
        try
        {
            var id = await _actions.SubmitAcceptedAsync("t.wait-short", new { mode = "ok" });

            var dead = await _actions.WaitAsync(id);

            ActionsClient.AssertStatus(ActionStatuses.DeadLettered, dead);
            Assert.Equal("breaker_open", dead.GetProperty("failure_class").GetString());
            Assert.Equal(0, dead.GetProperty("attempts").GetInt32());
            Assert.Contains("gave up waiting", dead.GetProperty("error").GetString());
            Assert.Contains(dead.GetProperty("audit").EnumerateArray(), IsBreakerWait);
            Assert.Empty(fixture.Executor.For(id));
            var record = await fixture.Http.GetFromJsonAsync<JsonElement>($"/v1/dlq/{dead.GetProperty("dlq_id").GetString()}");
            Assert.Equal("breaker_open", record.GetProperty("failure_class").GetString());
        }
        finally
        {
            await _actions.PostAsync("/v1/breakers/executor.waiting/reset", new { reason = "test over" });
        }
    }

    /// <summary>
    /// The proof the issue asks for: a real HTTP executor down for 20 s under the default breaker and retry policies.
    /// Before the fix every attempt refused by the open breaker counted, and every action here dead-lettered.
    /// </summary>
    [Fact]
    [Trait("Category", "Chaos")]
    public async Task ExecutorDownFor20s_UnderDefaultPolicies_EveryActionSubmittedDuringTheOutageSucceedsAfterIt()
    {
        var executor = fixture.OutageExecutor;
        var ids = new List<string>();
        executor.Down = true;
        try
        {
            var outage = DateTimeOffset.UtcNow;

            // A burst as the outage starts (enough calls for the default MinimumThroughput of 10), then a trickle.
            for (var i = 0; i < 12; i++)
            {
                ids.Add(await _actions.SubmitAcceptedAsync("t.outage", new { mode = "ok", n = i }));
            }

            while (DateTimeOffset.UtcNow - outage < TimeSpan.FromSeconds(18))
            {
                await Task.Delay(TimeSpan.FromSeconds(2));
                ids.Add(await _actions.SubmitAcceptedAsync("t.outage", new { mode = "ok", n = ids.Count }));
            }

            await Task.Delay(TimeSpan.FromSeconds(20) - (DateTimeOffset.UtcNow - outage));
        }
        finally
        {
            executor.Down = false;
        }

        var ended = new List<JsonElement>();
        foreach (var id in ids)
        {
            ended.Add(await Eventually.ResultAsync(() => _actions.GetAsync(id), TimeSpan.FromSeconds(120),
                a => ActionStatuses.IsTerminal(a.GetProperty("status").GetString()!)));
        }

        Assert.All(ended, a => ActionsClient.AssertStatus(ActionStatuses.Succeeded, a));
        Assert.All(ended, a => Assert.Equal(1, executor.SuccessesFor(a.GetProperty("idempotency_key").GetString()!)));
        Assert.Contains(ended, a => a.GetProperty("audit").EnumerateArray().Any(IsBreakerWait));
        var breaker = await fixture.Http.GetFromJsonAsync<JsonElement>("/v1/breakers/executor.outage?minutes=5");
        Assert.Contains(breaker.GetProperty("transitions").EnumerateArray(), t => t.GetProperty("to").GetString() == "open");
    }

    /// <summary>
    /// A half-open breaker needs two of its three probes to fail before it reopens, so the first failed probe leaves it
    /// half-open. An action whose last attempt was that probe used to dead-letter while the outage was still being
    /// probed (the flaky case of the 20 s outage test above); now it waits for the breaker's verdict like a refused one.
    /// </summary>
    [Fact]
    public async Task LastAttemptSpentOnAFailedHalfOpenProbe_WaitsForTheBreaker_AndSucceedsOnceTheExecutorIsBack()
    {
        const string Breaker = "executor.probing";
        var executor = fixture.ProbeExecutor;
        executor.Down = true;
        string id;
        try
        {
            // Two failures on a closed breaker open it for 1 s (t.probe has one attempt; how these two end does not matter).
            for (var i = 0; i < 2; i++)
            {
                await _actions.WaitAsync(await _actions.SubmitAcceptedAsync("t.probe", new { mode = "ok", n = i }));
            }

            var open = await Eventually.ResultAsync(BreakerAsync, TimeSpan.FromSeconds(15), b => StateOf(b) == "open");
            var pastBreak = open.GetProperty("open_until").GetDateTimeOffset() + TimeSpan.FromMilliseconds(200) - DateTimeOffset.UtcNow;
            if (pastBreak > TimeSpan.Zero)
            {
                await Task.Delay(pastBreak);
            }

            // Past its break the breaker hands this action a probe; the probe fails and the breaker stays half-open.
            id = await _actions.SubmitAcceptedAsync("t.probe", new { mode = "ok", marker = Guid.NewGuid().ToString("N") });
            var waiting = await Eventually.ResultAsync(() => _actions.GetAsync(id), TimeSpan.FromSeconds(15),
                a => a.GetProperty("attempts").GetInt32() >= 1 && a.GetProperty("status").GetString() != ActionStatuses.Executing);
            Assert.NotEqual(ActionStatuses.DeadLettered, waiting.GetProperty("status").GetString());
            Assert.Contains(waiting.GetProperty("audit").EnumerateArray(),
                a => a.GetProperty("detail").GetString()?.Contains($"the breaker of '{Breaker}' is ", StringComparison.Ordinal) == true);
        }
        finally
        {
            executor.Down = false;
        }

        var done = await _actions.WaitAsync(id);
        ActionsClient.AssertStatus(ActionStatuses.Succeeded, done);
        Assert.Equal(1, executor.SuccessesFor(done.GetProperty("idempotency_key").GetString()!));

        async Task<JsonElement> BreakerAsync() =>
            (await fixture.Http.GetFromJsonAsync<JsonElement>($"/v1/breakers/{Breaker}?minutes=5")).GetProperty("breaker");

        static string? StateOf(JsonElement breaker) => breaker.GetProperty("state").GetString();
    }

    private async Task IsolateAsync(string breaker)
    {
        var (status, body) = await _actions.PostAsync($"/v1/breakers/{breaker}/isolate", new { reason = "breaker wait test" });
        Assert.True(status == System.Net.HttpStatusCode.OK, $"isolate answered {(int)status}: {body}");
    }

    private static bool IsBreakerWait(JsonElement audit) =>
        audit.GetProperty("detail").GetString()?.Contains("without spending an attempt", StringComparison.Ordinal) == true;
}
