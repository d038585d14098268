using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Sonia.Grains.Breakers;

/// <summary>Registers the cluster-wide breakers and the silo's cached view of them.</summary>
public static class BreakerServiceCollectionExtensions
{
    /// <summary>Binds and validates <see cref="BreakersOptions"/> now, so a bad policy stops start-up.</summary>
    public static IServiceCollection AddSoniaBreakers(this IServiceCollection services, IConfiguration configuration, IEnumerable<string>? extraDependencies = null)
    {
        services.AddSingleton(BreakersOptions.Bind(configuration, extraDependencies));
        services.AddSingleton<IBreakerChannel, GrainBreakerChannel>();
        services.AddSingleton<CircuitBreakers>();
        services.AddSingleton<ICircuitBreakers>(sp => sp.GetRequiredService<CircuitBreakers>());
        services.AddSingleton<BreakerFlushService>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<BreakerFlushService>());
        return services;
    }
}
