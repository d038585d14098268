using Orleans.Concurrency;
using Sonia.Grains.Interfaces.Breakers;

namespace Sonia.Grains.Breakers;

/// <inheritdoc cref="IBreakerCatalogGrain"/>
[StatelessWorker]
public sealed class BreakerCatalogGrain(BreakersOptions options, IGrainFactory grains) : Grain, IBreakerCatalogGrain
{
    public async Task<IReadOnlyList<BreakerSnapshot>> ListAsync()
    {
        var snapshots = await Task.WhenAll(options.Policies.Keys
            .Order(StringComparer.Ordinal)
            .Select(name => grains.GetGrain<ICircuitBreakerGrain>(name).GetAsync()));
        return snapshots.OfType<BreakerSnapshot>().ToList();
    }
}
