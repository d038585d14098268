using Microsoft.AspNetCore.Http.HttpResults;
using Sonia.Gateway.Correlation;
using Sonia.Gateway.Problems;
using Sonia.Gateway.Requests;
using Sonia.Gateway.Security;
using Sonia.Grains.Interfaces.Diagnostics;

namespace Sonia.Gateway.Diagnostics;

/// <summary><c>GET /v1/diagnostics/snapshot</c>: the state of everything in one document, for an operator in an incident.</summary>
public static class DiagnosticsApi
{
    public static readonly QueryParameter LastNQuery = QueryParameter.Integer("last_n", IDiagnosticsGrain.MinLastN, IDiagnosticsGrain.MaxLastN,
        $"How many recent actions and dead letters to include, newest first (default {IDiagnosticsGrain.DefaultLastN}).");

    public static IEndpointRouteBuilder MapDiagnosticsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/diagnostics/snapshot", SnapshotAsync)
            .WithTags("Diagnostics").WithName("GetDiagnosticsSnapshot").WithQuery(LastNQuery).RequireRole(SoniaRoles.Operator);
        return app;
    }

    public static async Task<Results<Ok<SnapshotResponse>, ProblemHttpResult>> SnapshotAsync(IClusterClient cluster, HttpContext context)
    {
        var reader = new QueryReader(context);
        var lastN = reader.Integer(LastNQuery);
        if (reader.Errors.Count > 0)
        {
            return ApiProblems.Invalid("Invalid diagnostics request", reader.Errors);
        }

        var snapshot = await cluster.GetGrain<IDiagnosticsGrain>(0).SnapshotAsync(lastN ?? IDiagnosticsGrain.DefaultLastN);
        return TypedResults.Ok(SnapshotResponse.From(snapshot, CorrelationMiddleware.Of(context)));
    }

    /// <summary>
    /// The snapshot as sent: each section is its content, or <c>{"error": "..."}</c> when it could not be gathered, so a
    /// reader sees at once which part is missing and why, and still gets every other part.
    /// </summary>
    public sealed record SnapshotResponse(
        object Health, object Breakers, object Dlq, object Actions, object Cluster, DateTimeOffset GeneratedAt, string CorrelationId)
    {
        public static SnapshotResponse From(DiagnosticsSnapshot s, string correlationId) => new(
            Part(s.Health, "health", s), Part(s.Breakers, "breakers", s), Part(s.Dlq, "dlq", s), Part(s.Actions, "actions", s),
            Part(s.Cluster, "cluster", s), s.GeneratedAt, correlationId);

        private static object Part(object? section, string name, DiagnosticsSnapshot s) =>
            section ?? new SectionError(s.Errors.GetValueOrDefault(name) ?? "not gathered");
    }

    /// <summary>A section that could not be gathered, and why.</summary>
    public sealed record SectionError(string Error);
}
