using Sonia.Grains.Interfaces.Breakers;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Breakers;

/// <summary>Its own cluster: this test stops every silo.</summary>
public sealed class RestartableClusterFixture : SoniaClusterFixture;

public sealed class BreakerRestartTests(RestartableClusterFixture fixture) : IClassFixture<RestartableClusterFixture>
{
    [Fact]
    public async Task OpenBreaker_StaysOpenAcrossARestartOfAllSilos()
    {
        var gate = fixture.BreakersOf(0);
        for (var i = 0; i < 4; i++)
        {
            await Assert.ThrowsAsync<InvalidOperationException>(() => gate.ExecuteAsync<int>("t-persist", _ => throw new InvalidOperationException(), CancellationToken.None).AsTask());
        }

        var opened = await Eventually.ResultAsync(
            () => fixture.Cluster.Client.GetGrain<ICircuitBreakerGrain>("t-persist").GetAsync(),
            TimeSpan.FromSeconds(10),
            s => s?.State == BreakerState.Open);
        await fixture.Cluster.Client.GetGrain<ICircuitBreakerGrain>("t-isolated").IsolateAsync("test-operator", null);

        await fixture.Cluster.StopAllSilosAsync();
        await fixture.Cluster.StartAdditionalSilosAsync(2, startAdditionalSiloOnNewPort: true);
        await fixture.Cluster.InitializeClientAsync();

        var after = await Eventually.ResultAsync(
            () => fixture.Cluster.Client.GetGrain<ICircuitBreakerGrain>("t-persist").GetAsync(),
            TimeSpan.FromSeconds(60));
        Assert.Equal(BreakerState.Open, after!.State);
        Assert.Equal(opened!.OpenUntil, after.OpenUntil);
        Assert.Equal(opened.Version, after.Version);
        var isolated = await fixture.Cluster.Client.GetGrain<ICircuitBreakerGrain>("t-isolated").GetAsync();
        Assert.Equal(BreakerState.Isolated, isolated!.State);

        // A silo that never saw the breaker before rejects at once from the restored state.
        await Assert.ThrowsAsync<Sonia.Grains.Breakers.BreakerOpenException>(() =>
            fixture.BreakersOf(0).ExecuteAsync("t-persist", _ => ValueTask.FromResult(0), CancellationToken.None).AsTask());
    }
}
