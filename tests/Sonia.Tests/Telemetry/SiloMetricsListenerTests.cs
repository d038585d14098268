using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Sonia.Hosting.Cluster;
using Sonia.Hosting.Telemetry;
using Sonia.Silo.Telemetry;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Telemetry;

/// <summary>Issue 11: a silo serves its own metrics on <c>Sonia:Telemetry:PrometheusUrl</c>, set up as the silo process does.</summary>
public sealed class SiloMetricsListenerTests
{
    [Fact]
    public async Task Listener_WhenConfigured_ServesPrometheusText_WithTheRuntimeAndHttpClientMeters()
    {
        var url = $"http://127.0.0.1:{FreePort()}/metrics";
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Sonia:Telemetry:PrometheusUrl"] = url });
        builder.Services.AddSoniaTelemetry(builder.Configuration, "sonia-silo", SiloMetricsListener.From(builder.Configuration));
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

            // Each scrape is itself an HttpClient request: a later scrape shows the HttpClient meter.
            var scraped = await Eventually.ResultAsync(async () => PrometheusText.Parse(await http.GetStringAsync(url)),
                TimeSpan.FromSeconds(15), m => m.Types.ContainsKey("http_client_request_duration_seconds"));

            Assert.Contains(scraped.Types.Keys, k => k.StartsWith("dotnet_", StringComparison.Ordinal));
            Assert.Equal("sonia-silo", scraped.Samples.Single(s => s.Name == "target_info").Labels["service_name"]);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Theory]
    [InlineData("https://127.0.0.1:9464/metrics")]
    [InlineData("http://127.0.0.1:9464")]
    [InlineData("127.0.0.1:9464/metrics")]
    [InlineData("http://127.0.0.1:9464/metrics?x=1")]
    public void BadListenerUrl_StopsStartUp_NamingTheSetting(string url)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Sonia:Telemetry:PrometheusUrl"] = url })
            .Build();

        var error = Assert.Throws<StartupException>(() => SiloMetricsListener.From(configuration));

        Assert.Contains($"{TelemetryOptions.SectionName}:PrometheusUrl", error.Message, StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
