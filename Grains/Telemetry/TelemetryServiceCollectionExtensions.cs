using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Sonia.Hosting.Cluster;
using Sonia.Hosting.Telemetry;

namespace Sonia.Grains.Telemetry;

/// <summary>Registers what the silo's metric gauges read; the instruments themselves are static (<see cref="SoniaMetrics"/>).</summary>
public static class TelemetryServiceCollectionExtensions
{
    /// <summary>Binds and validates <see cref="TelemetryOptions"/> now, so a bad listener URL stops start-up.</summary>
    public static IServiceCollection AddSoniaMetrics(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(
            OptionsValidation.BindValidated(configuration, TelemetryOptions.SectionName, new TelemetryOptionsValidator()));
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, MetricSources>();
        return services;
    }
}
