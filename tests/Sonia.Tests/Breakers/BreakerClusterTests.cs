using Sonia.Grains.Breakers;
using Sonia.Grains.Interfaces.Breakers;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Breakers;

[Collection(SoniaClusterCollection.Name)]
public sealed class BreakerClusterTests(SoniaClusterFixture fixture)
{
    private static readonly TimeSpan Propagation = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task BreakerOpenedThroughOneSilo_IsSeenOpenThroughAnother()
    {
        var first = fixture.BreakersOf(0);
        var second = fixture.BreakersOf(1);
        Assert.Equal(1, await second.ExecuteAsync("t-open", _ => ValueTask.FromResult(1), CancellationToken.None));

        for (var i = 0; i < 4; i++)
        {
            await Assert.ThrowsAsync<InvalidOperationException>(() => first.ExecuteAsync<int>("t-open", _ => throw new InvalidOperationException("down"), CancellationToken.None).AsTask());
        }

        // The second silo learns of the opening by push: it reported nothing since its one success.
        await Eventually.ResultAsync(() => Task.FromResult(second.Cached("t-open")), Propagation, s => s?.State == BreakerState.Open);
        var called = false;
        var rejected = await Assert.ThrowsAsync<BreakerOpenException>(() => second.ExecuteAsync("t-open", _ =>
        {
            called = true;
            return ValueTask.FromResult(1);
        }, CancellationToken.None).AsTask());

        Assert.False(called);
        Assert.Equal(BreakerState.Open, rejected.State);
    }

    [Fact]
    public async Task MetricSeries_CountsExactlyTheOutcomesFedIn()
    {
        var first = fixture.BreakersOf(0);
        var second = fixture.BreakersOf(1);
        var grain = fixture.Cluster.Client.GetGrain<ICircuitBreakerGrain>("t-metrics");

        for (var i = 0; i < 7; i++)
        {
            await first.ExecuteAsync("t-metrics", _ => ValueTask.FromResult(i), CancellationToken.None);
        }

        for (var i = 0; i < 3; i++)
        {
            await Assert.ThrowsAsync<TimeoutException>(() => second.ExecuteAsync<int>("t-metrics", _ => throw new TimeoutException(), CancellationToken.None).AsTask());
        }

        for (var i = 0; i < 2; i++)
        {
            await second.ExecuteAsync("t-metrics", async ct =>
            {
                await Task.Delay(TimeSpan.FromMilliseconds(120), ct);
                return i;
            }, CancellationToken.None);
        }

        var detail = await Eventually.ResultAsync(() => grain.GetDetailAsync(60), Propagation, d => Total(d!, m => m.Successes + m.Failures + m.SlowCalls) >= 12);

        // Wait for more flushes than it took: nothing may be counted twice.
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        detail = await grain.GetDetailAsync(60);
        Assert.Equal(7, Total(detail!, m => m.Successes));
        Assert.Equal(3, Total(detail!, m => m.Failures));
        Assert.Equal(2, Total(detail!, m => m.SlowCalls));
        Assert.Equal(0, Total(detail!, m => m.Rejections));
        Assert.Equal(BreakerState.Closed, detail!.Breaker.State);
    }

    [Fact]
    public async Task Isolate_HoldsTheBreakerOpenAndCountsRejections_ResetClosesAndClears()
    {
        var gate = fixture.BreakersOf(0);
        var grain = fixture.Cluster.Client.GetGrain<ICircuitBreakerGrain>("t-isolated");
        await gate.ExecuteAsync("t-isolated", _ => ValueTask.FromResult(0), CancellationToken.None);

        var isolated = await grain.IsolateAsync("test-operator", "drill");
        await Eventually.ResultAsync(() => Task.FromResult(gate.Cached("t-isolated")), Propagation, s => s?.State == BreakerState.Isolated);
        for (var i = 0; i < 3; i++)
        {
            await Assert.ThrowsAsync<BreakerOpenException>(() => gate.ExecuteAsync("t-isolated", _ => ValueTask.FromResult(0), CancellationToken.None).AsTask());
        }

        Assert.Equal(BreakerState.Isolated, isolated!.State);
        Assert.False((await grain.TryAcquireProbeAsync()).Granted);
        var detail = await Eventually.ResultAsync(() => grain.GetDetailAsync(60), Propagation, d => Total(d!, m => m.Rejections) >= 3);
        Assert.Equal(3, Total(detail!, m => m.Rejections));

        var reset = await grain.ResetAsync("test-operator", "drill over");

        Assert.Equal(BreakerState.Closed, reset!.State);
        Assert.Equal(0, reset.Window.Calls);
        Assert.Equal(0, reset.ConsecutiveOpenings);
        var audit = (await grain.GetDetailAsync(60))!.ManualActions;
        Assert.Equal(["isolate", "reset"], audit.Select(a => a.Action));
        Assert.All(audit, a => Assert.Equal("test-operator", a.Actor));
        Assert.All(audit, a => Assert.False(string.IsNullOrEmpty(a.CorrelationId)));
        await Eventually.ResultAsync(() => Task.FromResult(gate.Cached("t-isolated")), Propagation, s => s?.State == BreakerState.Closed);
        Assert.Equal(1, await gate.ExecuteAsync("t-isolated", _ => ValueTask.FromResult(1), CancellationToken.None));
    }

    [Fact]
    public async Task UnconfiguredDependency_IsRefusedBeforeAnyCall()
    {
        var gate = fixture.BreakersOf(0);

        await Assert.ThrowsAsync<ArgumentException>(() => gate.ExecuteAsync("not-configured", _ => ValueTask.FromResult(0), CancellationToken.None).AsTask());
        Assert.Null(await fixture.Cluster.Client.GetGrain<ICircuitBreakerGrain>("not-configured").GetAsync());
    }

    private static long Total(BreakerDetail detail, Func<MinuteMetrics, long> pick) => detail.Minutes.Sum(pick);
}
