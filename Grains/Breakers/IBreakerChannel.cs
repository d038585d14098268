using Sonia.Grains.Interfaces.Breakers;

namespace Sonia.Grains.Breakers;

/// <summary>How a silo's <see cref="CircuitBreakers"/> reaches the breakers that decide: the grains, in a cluster.</summary>
public interface IBreakerChannel
{
    Task<BreakerSnapshot?> GetAsync(string dependency);

    Task<BreakerSnapshot?> ReportAsync(string dependency, OutcomeCounts outcomes);

    Task<ProbePermit> TryAcquireProbeAsync(string dependency);

    Task<BreakerSnapshot?> ReportProbeAsync(string dependency, bool success);

    /// <summary>Asks the breaker to push its changes to <paramref name="observer"/>.</summary>
    Task SubscribeAsync(string dependency, IBreakerObserver observer);
}

/// <summary>The cluster's channel: calls to <see cref="ICircuitBreakerGrain"/>.</summary>
public sealed class GrainBreakerChannel(IGrainFactory grains) : IBreakerChannel
{
    private IBreakerObserver? _reference;
    private IBreakerObserver? _referenced;

    public Task<BreakerSnapshot?> GetAsync(string dependency) => Grain(dependency).GetAsync();

    public Task<BreakerSnapshot?> ReportAsync(string dependency, OutcomeCounts outcomes) => Grain(dependency).ReportAsync(outcomes);

    public Task<ProbePermit> TryAcquireProbeAsync(string dependency) => Grain(dependency).TryAcquireProbeAsync();

    public Task<BreakerSnapshot?> ReportProbeAsync(string dependency, bool success) => Grain(dependency).ReportProbeAsync(success);

    public async Task SubscribeAsync(string dependency, IBreakerObserver observer)
    {
        // One object reference per silo, created on first use and kept: grains hold it until it stops renewing.
        // Orleans refuses to create one on a grain's scheduler, and the first use is often inside a grain call.
        if (!ReferenceEquals(_referenced, observer))
        {
            _reference = await Task.Run(() => grains.CreateObjectReference<IBreakerObserver>(observer));
            _referenced = observer;
        }

        await Grain(dependency).SubscribeAsync(_reference!);
    }

    private ICircuitBreakerGrain Grain(string dependency) => grains.GetGrain<ICircuitBreakerGrain>(dependency);
}
