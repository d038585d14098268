using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using Sonia.Hosting.Telemetry;

namespace Sonia.Tests.Telemetry;

/// <summary>Issue 11: with <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> set, a process pushes its metrics over OTLP, to the signal's path.</summary>
public sealed class OtlpExportTests
{
    [Fact]
    public async Task OtlpEndpoint_WhenSet_ReceivesMetrics_AtTheMetricsPath()
    {
        var received = new ConcurrentQueue<string>();
        var collectorBuilder = WebApplication.CreateSlimBuilder();
        collectorBuilder.WebHost.UseUrls("http://127.0.0.1:0");
        collectorBuilder.Logging.ClearProviders();
        await using var collector = collectorBuilder.Build();
        collector.MapPost("/{**path}", (HttpContext context) =>
        {
            received.Enqueue(context.Request.Path.Value!);
            return Results.Ok();
        });
        await collector.StartAsync();

        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Urls.First(),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        });
        builder.Services.AddSoniaTelemetry(builder.Configuration, "sonia-silo");
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            Assert.True(host.Services.GetRequiredService<MeterProvider>().ForceFlush(10_000), "the metrics were not flushed");

            Assert.Contains("/v1/metrics", received);
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
