using Microsoft.Extensions.Configuration;
using OpenTelemetry.Metrics;
using Sonia.Hosting.Cluster;
using Sonia.Hosting.Telemetry;

namespace Sonia.Silo.Telemetry;

/// <summary>
/// A silo's own Prometheus endpoint at <c>Sonia:Telemetry:PrometheusUrl</c>, off unless that is set. The exporter's
/// HttpListener belongs to the meter provider, so it starts and stops with the silo's host and needs no web host or
/// second container; the silo has no HTTP surface otherwise, which is why it carries no key check: bind it to loopback
/// or a private interface.
/// </summary>
public static class SiloMetricsListener
{
    /// <summary>Throws <see cref="StartupException"/> on an invalid URL, naming the setting.</summary>
    public static Action<MeterProviderBuilder> From(IConfiguration configuration)
    {
        var options = OptionsValidation.BindValidated(configuration, TelemetryOptions.SectionName, new TelemetryOptionsValidator());
        return metrics =>
        {
            if (options.PrometheusUri is { } url)
            {
                metrics.AddPrometheusHttpListener(o =>
                {
                    o.Host = url.Host;
                    o.Port = url.Port;
                    o.ScrapeEndpointPath = url.AbsolutePath.TrimEnd('/');
                });
            }
        };
    }
}
