using Microsoft.AspNetCore.Http.HttpResults;
using Sonia.Grains.Interfaces.Health;

namespace Sonia.Gateway.Health;

/// <summary><c>/healthz</c> (the process is alive), <c>/readyz</c> (cluster and database answer), <c>/v1/health</c> (details).</summary>
public static class HealthApi
{
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(5);

    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/healthz", ["GET", "HEAD"], () => TypedResults.Ok(new AliveResponse("alive"))).WithTags("Health");
        app.MapGet("/readyz", ReadyAsync).WithTags("Health");
        app.MapGet("/v1/health", HealthAsync).WithTags("Health");
        return app;
    }

    public static async Task<Results<Ok<AliveResponse>, ProblemHttpResult>> ReadyAsync(IClusterClient cluster, TimeProvider time, CancellationToken cancellationToken)
    {
        var report = await CheckAsync(cluster, time, cancellationToken);
        return report.Healthy
            ? TypedResults.Ok(new AliveResponse("ready"))
            : TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Not ready", detail: Describe(report));
    }

    public static async Task<JsonHttpResult<HealthReport>> HealthAsync(IClusterClient cluster, TimeProvider time, CancellationToken cancellationToken)
    {
        var report = await CheckAsync(cluster, time, cancellationToken);
        return TypedResults.Json(report, statusCode: report.Healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task<HealthReport> CheckAsync(IClusterClient cluster, TimeProvider time, CancellationToken cancellationToken)
    {
        try
        {
            return await cluster.GetGrain<IHealthSupervisorGrain>(IHealthSupervisorGrain.ClusterKey)
                .CheckAsync()
                .WaitAsync(CheckTimeout, cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or OrleansException or InvalidOperationException)
        {
            // The cluster itself did not answer: nothing is known about the database either.
            var unknown = new ComponentHealth("database", false, 0, "not checked: cluster unreachable");
            return new HealthReport(false, time.GetUtcNow(), [], unknown) { ClusterError = $"{ex.GetType().Name}: {ex.Message}" };
        }
    }

    private static string Describe(HealthReport report) =>
        report.ClusterError is { } error ? $"cluster unreachable ({error})"
        : !report.Database.Healthy ? $"database unhealthy ({report.Database.Error})"
        : "no active silo";

    public sealed record AliveResponse(string Status);
}
