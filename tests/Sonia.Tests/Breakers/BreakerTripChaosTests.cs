using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Tests.Actions;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Breakers;

/// <summary>Issue 13, chaos drill 2: a breaker tripped by real executor failures, seen, rejecting, then reset.</summary>
[Collection(SoniaClusterCollection.Name)]
public sealed class BreakerTripChaosTests(SoniaClusterFixture fixture)
{
    private const string Breaker = "executor.tripping";
    private readonly ActionsClient _actions = new(fixture.Http);

    [Fact]
    [Trait("Category", "Chaos")]
    public async Task RealFailures_TripTheBreaker_StateSeriesAndRejectionsShowIt_ResetClosesIt_AndTheWaitingActionRuns()
    {
        // Four actions whose executor answers 500: four real failures through the HTTP adapter, one attempt each.
        for (var i = 0; i < 4; i++)
        {
            var failed = await _actions.WaitAsync(await _actions.SubmitAcceptedAsync("t.trip", new { mode = "status", status = 500, n = i }));
            ActionsClient.AssertStatus(ActionStatuses.DeadLettered, failed);
        }

        var open = await Eventually.ResultAsync(() => DetailAsync(), TimeSpan.FromSeconds(15), d => State(d) == "open");
        Assert.Contains(open.GetProperty("transitions").EnumerateArray(), t => t.GetProperty("to").GetString() == "open");
        var failures = await Eventually.ResultAsync(async () => Sum(await DetailAsync(), "failures"), TimeSpan.FromSeconds(15), n => n >= 4);
        Assert.True(failures >= 4, $"failures in the series: {failures}");

        // While open, a call is refused before it reaches the executor, and the refusal is counted.
        var waiting = await _actions.SubmitAcceptedAsync("t.trip", new { mode = "ok", marker = Guid.NewGuid().ToString("N") });
        await Eventually.ResultAsync(async () => Sum(await DetailAsync(), "rejections"), TimeSpan.FromSeconds(15), n => n >= 1);
        Assert.Empty(fixture.Executor.For(waiting));

        var (status, body) = await _actions.PostAsync($"/v1/breakers/{Breaker}/reset", new { reason = "chaos drill 2 over" });
        Assert.True(status == HttpStatusCode.OK, $"reset answered {(int)status}: {body}");
        Assert.Equal("closed", State(await DetailAsync()));

        var done = await _actions.WaitAsync(waiting);
        ActionsClient.AssertStatus(ActionStatuses.Succeeded, done);
        Assert.Single(fixture.Executor.For(waiting));
    }

    private Task<JsonElement> DetailAsync() => fixture.Http.GetFromJsonAsync<JsonElement>($"/v1/breakers/{Breaker}?minutes=5");

    private static string? State(JsonElement detail) => detail.GetProperty("breaker").GetProperty("state").GetString();

    private static long Sum(JsonElement detail, string field) =>
        detail.GetProperty("minutes").EnumerateArray().Sum(m => m.GetProperty(field).GetInt64());
}
