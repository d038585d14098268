using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Sonia.Hosting.Telemetry;

/// <summary>
/// W3C trace context end to end: ASP.NET Core, Orleans, HttpClient and Sonia's own activities are always recorded, so
/// every log line has a trace id that joins gateway, silo and executor. Metrics come from Sonia's meter and the ASP.NET
/// Core, HttpClient, runtime and Orleans meters; each process adds its own reader (the gateway's <c>/metrics</c>, a
/// silo's listener). Spans and metrics are exported over OTLP only when an endpoint is set.
/// </summary>
public static class SoniaTelemetry
{
    /// <summary>Activity sources Orleans emits when activity propagation is on.</summary>
    public static readonly string[] OrleansSources = ["Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"];

    /// <summary>The name of Sonia's own meter and activity source.</summary>
    public const string SourceName = "Sonia";

    /// <summary>The span attribute that carries the correlation id (the same value as the logs' <c>correlation_id</c>).</summary>
    public const string CorrelationAttribute = "sonia.correlation_id";

    /// <summary>
    /// Meters read besides ASP.NET Core's (added by its instrumentation). .NET 10 emits the HttpClient
    /// (<c>System.Net.Http</c>) and runtime (<c>System.Runtime</c>) meters itself, which is all the runtime and HttpClient
    /// instrumentation packages would register on this runtime.
    /// </summary>
    public static readonly string[] Meters = [SourceName, "Microsoft.Orleans", "System.Net.Http", "System.Runtime"];

    /// <param name="metrics">The process's own metric readers: the gateway's scrape endpoint, a silo's listener.</param>
    public static IServiceCollection AddSoniaTelemetry(
        this IServiceCollection services, IConfiguration configuration, string serviceName, Action<MeterProviderBuilder>? metrics = null)
    {
        var sdkEndpoint = configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        var otlpEndpoint = sdkEndpoint ?? configuration["Sonia:Telemetry:OtlpEndpoint"];

        // The SDK reads OTEL_EXPORTER_OTLP_* itself, and for http/protobuf appends /v1/traces or /v1/metrics to the
        // endpoint; an endpoint set by hand is used as is. So only Sonia's own setting is set by hand.
        void Otlp(OtlpExporterOptions o)
        {
            if (string.IsNullOrEmpty(sdkEndpoint))
            {
                o.Endpoint = new Uri(otlpEndpoint!);
            }
        }

        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName))
            .WithTracing(tracing =>
            {
                tracing.AddSource(OrleansSources).AddSource(SourceName, "System.Net.Http").AddAspNetCoreInstrumentation();
                if (!string.IsNullOrEmpty(otlpEndpoint))
                {
                    tracing.AddOtlpExporter(Otlp);
                }
            })
            .WithMetrics(meters =>
            {
                meters.AddMeter(Meters).AddAspNetCoreInstrumentation();
                metrics?.Invoke(meters);
                if (!string.IsNullOrEmpty(otlpEndpoint))
                {
                    meters.AddOtlpExporter(Otlp);
                }
            });
        return services;
    }
}
