using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Sonia.Gateway.Operators;
using Sonia.Gateway.Problems;
using Sonia.Gateway.Requests;
using Sonia.Gateway.Security;
using Sonia.Grains.Interfaces.Breakers;

namespace Sonia.Gateway.Breakers;

/// <summary><c>/v1/breakers</c>: every dependency's breaker, its metric series, and manual isolate/reset.</summary>
public static class BreakersApi
{
    public const int MaxMinutes = 1440;
    public const int MaxReasonLength = 500;

    public static readonly QueryParameter MinutesQuery =
        QueryParameter.Integer("minutes", 1, MaxMinutes, "How many minutes of the metric series (default 60).");

    public static RouteGroupBuilder MapBreakersApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/breakers").WithTags("Breakers").RequireRole(SoniaRoles.Operator);
        group.MapGet("/", ListAsync).WithName("ListBreakers");
        group.MapGet("/{name}", GetAsync).WithName("GetBreaker").WithQuery(MinutesQuery);
        group.MapPost("/{name}/reset", ResetAsync).WithName("ResetBreaker");
        group.MapPost("/{name}/isolate", IsolateAsync).WithName("IsolateBreaker");
        return group;
    }

    public static async Task<Ok<BreakerList>> ListAsync(IClusterClient cluster)
    {
        var breakers = await cluster.GetGrain<IBreakerCatalogGrain>(0).ListAsync();
        return TypedResults.Ok(new BreakerList(breakers));
    }

    public static async Task<Results<Ok<BreakerDetail>, ProblemHttpResult>> GetAsync(string name, IClusterClient cluster, HttpContext context)
    {
        var query = new QueryReader(context);
        var span = query.Integer(MinutesQuery) ?? 60;
        if (query.Errors.Count > 0)
        {
            return ApiProblems.Invalid("Invalid breaker request", query.Errors);
        }

        var detail = await cluster.GetGrain<ICircuitBreakerGrain>(name).GetDetailAsync(span);
        return detail is null ? NotFound(name) : TypedResults.Ok(detail);
    }

    public static Task<Results<Ok<BreakerSnapshot>, ProblemHttpResult>> ResetAsync(
        string name, HttpContext context, IClusterClient cluster, [FromBody] ManualActionRequest? request) =>
        ManualAsync(name, context, request, (grain, actor, reason) => grain.ResetAsync(actor, reason), cluster);

    public static Task<Results<Ok<BreakerSnapshot>, ProblemHttpResult>> IsolateAsync(
        string name, HttpContext context, IClusterClient cluster, [FromBody] ManualActionRequest? request) =>
        ManualAsync(name, context, request, (grain, actor, reason) => grain.IsolateAsync(actor, reason), cluster);

    private static async Task<Results<Ok<BreakerSnapshot>, ProblemHttpResult>> ManualAsync(
        string name,
        HttpContext context,
        ManualActionRequest? request,
        Func<ICircuitBreakerGrain, string, string?, Task<BreakerSnapshot?>> action,
        IClusterClient cluster)
    {
        if (OperatorActor.From(context) is not { } actor)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid actor", detail: OperatorActor.Rule + ".");
        }

        if (request?.Reason is { Length: > MaxReasonLength })
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid reason", detail: $"reason must be at most {MaxReasonLength} characters.");
        }

        var snapshot = await action(cluster.GetGrain<ICircuitBreakerGrain>(name), actor, request?.Reason);
        return snapshot is null ? NotFound(name) : TypedResults.Ok(snapshot);
    }

    private static ProblemHttpResult NotFound(string name) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Breaker not found", detail: $"No dependency named '{name}' is configured.");

    public sealed record BreakerList(IReadOnlyList<BreakerSnapshot> Breakers);

    /// <summary>Optional body of isolate and reset.</summary>
    public sealed record ManualActionRequest([property: MaxLength(MaxReasonLength)] string? Reason);
}
