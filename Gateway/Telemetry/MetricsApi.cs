using OpenTelemetry.Metrics;
using Sonia.Gateway.Security;

namespace Sonia.Gateway.Telemetry;

/// <summary>
/// <c>GET /metrics</c>: this process's metrics in the Prometheus text format, for an operator key (Prometheus sends it as
/// <c>Authorization: Bearer &lt;key&gt;</c>). Each silo serves its own on <c>Sonia:Telemetry:PrometheusUrl</c>.
/// </summary>
public static class MetricsApi
{
    public const string Path = "/metrics";

    /// <summary>The gateway's metric reader: the scrape endpoint's exporter.</summary>
    public static void AddScrapeExporter(MeterProviderBuilder metrics) => metrics.AddPrometheusExporter();

    /// <remarks>
    /// Not in the OpenAPI document: the exporter's endpoint is a bare request delegate answering Prometheus text, not a
    /// JSON operation (as the API reference's own assets are not). GET only, like any scrape.
    /// </remarks>
    public static IEndpointRouteBuilder MapMetricsApi(this IEndpointRouteBuilder app)
    {
        app.MapPrometheusScrapingEndpoint(Path)
            .WithMetadata(new HttpMethodMetadata([HttpMethods.Get]))
            .WithDisplayName("GET " + Path)
            .RequireRole(SoniaRoles.Operator);
        return app;
    }
}
