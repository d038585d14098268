namespace Sonia.Grains.Interfaces.Breakers;

/// <summary>The configured dependencies and their breakers.</summary>
[Alias("sonia.breaker-catalog")]
public interface IBreakerCatalogGrain : IGrainWithIntegerKey
{
    [Alias("list")]
    Task<IReadOnlyList<BreakerSnapshot>> ListAsync();
}
