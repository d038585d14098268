using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Sonia.Hosting.Telemetry;

/// <summary>
/// W3C trace context end to end: ASP.NET Core and Orleans activities are always recorded, so every log line
/// has a trace id that joins gateway and silo; spans are exported over OTLP only when an endpoint is set.
/// </summary>
public static class SoniaTelemetry
{
    /// <summary>Activity sources Orleans emits when activity propagation is on.</summary>
    public static readonly string[] OrleansSources = ["Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"];

    public static IServiceCollection AddSoniaTelemetry(this IServiceCollection services, IConfiguration configuration, string serviceName)
    {
        var otlpEndpoint = configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] ?? configuration["Sonia:Telemetry:OtlpEndpoint"];
        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName))
            .WithTracing(tracing =>
            {
                tracing.AddSource(OrleansSources).AddAspNetCoreInstrumentation();
                if (!string.IsNullOrEmpty(otlpEndpoint))
                {
                    tracing.AddOtlpExporter(o => o.Endpoint = new Uri(otlpEndpoint));
                }
            });
        return services;
    }
}
