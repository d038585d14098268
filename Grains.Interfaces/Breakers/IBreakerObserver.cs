using Orleans.Concurrency;

namespace Sonia.Grains.Interfaces.Breakers;

/// <summary>A silo's cache of breaker states, told of every change.</summary>
[Alias("sonia.breaker-observer")]
public interface IBreakerObserver : IGrainObserver
{
    [OneWay, Alias("changed")]
    Task OnChangedAsync(BreakerSnapshot snapshot);
}
