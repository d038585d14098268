using Microsoft.AspNetCore.Http.HttpResults;
using Sonia.Gateway.Correlation;
using Sonia.Gateway.Security;
using Sonia.Grains.Interfaces.Health;

namespace Sonia.Gateway.Health;

/// <summary>
/// <c>/healthz</c> (the process is alive), <c>/readyz</c> (ready unless the latest check is unhealthy; a degraded cluster
/// still serves), <c>/v1/health</c> (every check with its status, reasons and figures; 503 only when unhealthy).
/// </summary>
public static partial class HealthApi
{
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(5);

    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/healthz", ["GET", "HEAD"], () => TypedResults.Ok(new AliveResponse("alive"))).WithTags("Health").AllowAnonymous();
        app.MapGet("/readyz", ReadyAsync).WithTags("Health").AllowAnonymous();
        app.MapGet("/v1/health", HealthAsync).WithTags("Health").RequireRole(SoniaRoles.Operator);
        return app;
    }

    public static async Task<Results<Ok<AliveResponse>, ProblemHttpResult>> ReadyAsync(
        IClusterClient cluster, TimeProvider time, ILoggerFactory logs, HttpContext context, CancellationToken cancellationToken)
    {
        var report = await CheckAsync(cluster, time, logs, context, cancellationToken);
        return report.Healthy
            ? TypedResults.Ok(new AliveResponse("ready"))
            : TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Not ready", detail: Describe(report));
    }

    public static async Task<JsonHttpResult<HealthReport>> HealthAsync(
        IClusterClient cluster, TimeProvider time, ILoggerFactory logs, HttpContext context, CancellationToken cancellationToken)
    {
        var report = await CheckAsync(cluster, time, logs, context, cancellationToken);
        return TypedResults.Json(report, statusCode: report.Healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task<HealthReport> CheckAsync(
        IClusterClient cluster, TimeProvider time, ILoggerFactory logs, HttpContext context, CancellationToken cancellationToken)
    {
        try
        {
            return await cluster.GetGrain<IHealthSupervisorGrain>(IHealthSupervisorGrain.ClusterKey)
                .CheckAsync()
                .WaitAsync(CheckTimeout, cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or OrleansException or InvalidOperationException)
        {
            return Unreachable(ex, time, logs.CreateLogger(typeof(HealthApi).FullName!), CorrelationMiddleware.Of(context));
        }
    }

    /// <summary>
    /// The report when the cluster itself did not answer. Exception text names hosts and internals: it goes to the
    /// log under the request's correlation id, and the caller gets a short reason and that id.
    /// </summary>
    public static HealthReport Unreachable(Exception exception, TimeProvider time, ILogger logger, string correlationId)
    {
        LogClusterUnreachable(logger, correlationId, exception);
        var reason = exception is TimeoutException
            ? $"cluster unreachable: no answer within {CheckTimeout.TotalSeconds:0} s"
            : "cluster unreachable";
        var unknown = new ComponentHealth("database", false, 0, "not checked: cluster unreachable");
        return new HealthReport(false, time.GetUtcNow(), [], unknown)
        {
            ClusterError = $"{reason} (correlation id {correlationId})",
            Status = HealthStatuses.Unhealthy,
        };
    }

    private static string Describe(HealthReport report) =>
        report.ClusterError is { } error ? error
        : report.Checks.Where(c => c.Status == HealthStatuses.Unhealthy).SelectMany(c => c.Reasons).ToList() is { Count: > 0 } reasons
            ? string.Join("; ", reasons)
        : !report.Database.Healthy ? $"database unhealthy ({report.Database.Error})"
        : "no active silo";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Health check {CorrelationId}: the cluster did not answer")]
    private static partial void LogClusterUnreachable(ILogger logger, string correlationId, Exception exception);

    public sealed record AliveResponse(string Status);
}
