using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Sonia.Gateway.Correlation;
using Sonia.Gateway.Operators;
using Sonia.Gateway.Problems;
using Sonia.Gateway.Requests;
using Sonia.Gateway.Security;
using Sonia.Hosting.Build;
using Sonia.Hosting.Cluster;
using Sonia.Hosting.Logging;

namespace Sonia.Gateway.Diagnostics;

/// <summary><c>GET /v1/diagnostics/bundle</c>: one zip holding an incident's window from every process, streamed as it is built.</summary>
public static partial class IncidentBundleApi
{
    public const int DefaultWindowMinutes = 60;
    public const int MaxWindowMinutes = 10080;

    public static readonly QueryParameter WindowQuery = QueryParameter.Integer(
        "window_minutes", 1, MaxWindowMinutes, $"How many minutes before now the bundle covers (default {DefaultWindowMinutes}).");

    // Configuration keys keep their case (no dictionary key policy); members are snake_case like the rest of the API.
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        WriteIndented = true,
    };

    public static IEndpointRouteBuilder MapIncidentBundleApi(this IEndpointRouteBuilder app)
    {
        // Bound once at startup, so a bad setting stops the gateway instead of failing the first bundle.
        var settings = app.ServiceProvider.GetRequiredService<IConfiguration>();
        var options = OptionsValidation.BindValidated(settings, IncidentBundleOptions.SectionName, new IncidentBundleOptionsValidator());
        app.MapGet("/v1/diagnostics/bundle", (HttpContext context, IClusterClient cluster, TimeProvider time, IConfiguration configuration,
                ILoggerFactory logs) => Bundle(context, cluster, time, configuration, logs, options))
            .WithName("GetIncidentBundle")
            .WithTags("Diagnostics")
            .WithQuery(WindowQuery)
            .Produces(StatusCodes.Status200OK, typeof(Stream), "application/zip")
            .RequireRole(SoniaRoles.Operator);
        return app;
    }

    public static Results<PushStreamHttpResult, ProblemHttpResult> Bundle(HttpContext context, IClusterClient cluster, TimeProvider time,
        IConfiguration configuration, ILoggerFactory logs, IncidentBundleOptions options)
    {
        var query = new QueryReader(context);
        var minutes = query.Integer(WindowQuery) ?? DefaultWindowMinutes;
        if (query.Errors.Count > 0)
        {
            return ApiProblems.Invalid("Invalid bundle request", query.Errors);
        }

        var now = time.GetUtcNow();
        var bundleId = "bnd_" + Ulid.NewUlid(now);
        var window = new BundleWindow(minutes, now.AddMinutes(-minutes), now);
        var actor = OperatorActor.From(context);
        var correlationId = CorrelationMiddleware.Of(context);
        var gatewayLogs = context.RequestServices.GetService<LogFileLocation>();
        var logger = logs.CreateLogger(typeof(IncidentBundleApi).FullName!);
        return TypedResults.Stream(
            async body =>
            {
                var cancellationToken = context.RequestAborted;
                var secrets = new BundleSecrets();
                await using var sink = new AsyncOnlyStream(body);
                var archive = await ZipArchive.CreateAsync(sink, ZipArchiveMode.Create, leaveOpen: true, null, cancellationToken);
                var zip = new IncidentBundleZip(archive, sink, secrets, Json);
                var collectors = new IncidentBundleCollectors(zip, cluster, options, window, logger);
                await collectors.CollectAsync(configuration, gatewayLogs, cancellationToken);

                var metadata = new IncidentBundleMetadata(
                    bundleId, now, window, BuildManifest.GitCommit, BuildManifest.SoniaVersion, BuildManifest.DotNetVersion,
                    BuildManifest.OrleansVersion, actor, correlationId,
                    new BundleLimits(options.MaxLinesPerLogFile, options.MaxRowsPerTable, IncidentBundleCollectors.BreakerSeriesMinutes),
                    collectors.Failures, collectors.LimitsReached, collectors.Notes, collectors.Logs, secrets.Redactor.Count,
                    [.. zip.Entries]);
                await zip.WriteJsonAsync("metadata.json", metadata, cancellationToken);
                await archive.DisposeAsync(); // writes the central directory
                await sink.FlushAsync(cancellationToken);
                LogBundle(logger, bundleId, actor, minutes, collectors.Failures.Count);
            },
            "application/zip",
            $"sonia-incident-{bundleId}.zip");
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Incident bundle {BundleId} for {Actor}: {WindowMinutes} minute window, {FailedCollectors} collector(s) failed")]
    private static partial void LogBundle(ILogger logger, string bundleId, string actor, int windowMinutes, int failedCollectors);
}
