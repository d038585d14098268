using System.Text.Json;
using System.Text.Json.Serialization;
using Sonia.Gateway.AccessLog;
using Sonia.Gateway.Actions;
using Sonia.Gateway.Backups;
using Sonia.Gateway.Breakers;
using Sonia.Gateway.Cluster;
using Sonia.Gateway.Correlation;
using Sonia.Gateway.DeadLetters;
using Sonia.Gateway.Diagnostics;
using Sonia.Gateway.Health;
using Sonia.Gateway.OpenApi;
using Sonia.Gateway.Problems;
using Sonia.Gateway.Releases;
using Sonia.Gateway.Security;
using Sonia.Gateway.Sessions;
using Sonia.Gateway.Streaming;
using Sonia.Gateway.Telemetry;
using Sonia.Gateway.Tools;
using Sonia.Hosting.Logging;
using Sonia.Hosting.Telemetry;

namespace Sonia.Gateway;

/// <summary>Builds the gateway: a thin HTTP face over the cluster, no business logic.</summary>
public static class GatewayApp
{
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <param name="configure">Lets a test host add configuration or bind other URLs before the app is built.</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        configure?.Invoke(builder);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]))
        {
            // Loopback by default: exposing the gateway beyond this machine is a deliberate choice (ASPNETCORE_URLS).
            builder.WebHost.UseUrls(DefaultUrl);
        }

        builder.Services.AddSoniaLogging(builder.Configuration, builder.Configuration["Sonia:Gateway:Name"] ?? "gateway");
        builder.Services.AddSoniaTelemetry(builder.Configuration, "sonia-gateway", MetricsApi.AddScrapeExporter);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            o.SerializerOptions.DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower;
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));

            // A misspelt member (idempotencyKey for idempotency_key) must not quietly switch a feature off.
            o.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;

            // Numbers are JSON numbers: "5" for max_per_second is an error naming the member, and the contract says number, not number-or-string.
            o.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
        });
        builder.Services.AddSoniaProblems();
        builder.Services.AddSoniaOpenApi();
        builder.AddSoniaClusterClient();
        builder.AddSoniaSecurity();
        builder.AddSoniaStream();

        var app = builder.Build();
        app.UseMiddleware<AccessLogMiddleware>();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<CorrelationMiddleware>();
        app.UseSoniaStream();
        app.UseSoniaSecurity();
        app.MapOpenApi().RequireRole(SoniaRoles.Client);
        app.MapApiReference(builder.Configuration);
        app.MapMetricsApi();
        app.MapSoniaApi();
        return app;
    }

    /// <summary>Every API route; one list, so that a test can enumerate the routes without building a whole gateway.</summary>
    public static IEndpointRouteBuilder MapSoniaApi(this IEndpointRouteBuilder app)
    {
        app.MapHealthApi();
        app.MapSessionsApi();
        app.MapBreakersApi();
        app.MapActionsApi();
        app.MapDeadLettersApi();
        app.MapToolsApi();
        app.MapDiagnosticsApi();
        app.MapBackupsApi();
        app.MapIncidentBundleApi();
        app.MapReleasesApi();
        app.MapStreamApi();
        return app;
    }
}
