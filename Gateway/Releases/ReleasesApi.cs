using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Sonia.Gateway.Operators;
using Sonia.Gateway.Problems;
using Sonia.Gateway.Requests;
using Sonia.Gateway.Security;
using Sonia.Grains.Interfaces.Releases;

namespace Sonia.Gateway.Releases;

/// <summary>
/// <c>/v1/releases/gate-runs</c>: deploy/promotion-gate.sh records each run here (Admin) and operators list them.
/// The runs live in the operator audit trail: who, when, which commit, the result.
/// </summary>
public static partial class ReleasesApi
{
    public const int DefaultPage = 20;
    public const int MaxPage = 200;
    public const int MaxGates = 50;
    public const int MaxNameLength = 200;
    public const int MaxDetailLength = 2000;

    public static readonly QueryParameter LastNQuery = QueryParameter.Integer("last_n", 1, MaxPage, $"How many runs, newest first (default {DefaultPage}).");

    public static RouteGroupBuilder MapReleasesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/releases").WithTags("Releases");
        group.MapPost("/gate-runs", RecordAsync).WithName("RecordGateRun").RequireRole(SoniaRoles.Admin);
        group.MapGet("/gate-runs", ListAsync).WithName("ListGateRuns").WithQuery(LastNQuery).RequireRole(SoniaRoles.Operator);
        return group;
    }

    public static async Task<Results<Created<GateRun>, ProblemHttpResult>> RecordAsync(
        HttpContext context, IClusterClient cluster, [FromBody] GateRunRequest? request)
    {
        var errors = Validate(request);
        if (errors.Count > 0)
        {
            return ApiProblems.Invalid("Invalid gate run", errors);
        }

        var report = new GateRunReport(request!.Promotable!.Value, request.Commit!, request.StartedAt!.Value, request.FinishedAt!.Value,
            request.Gates!.Select(g => new GateResult(g.Id!.Value, g.Name!, g.Blocking!.Value, g.Status!, g.Detail)).ToList());
        var run = await cluster.GetGrain<IGateRunGrain>(0).RecordAsync(report, OperatorActor.From(context));
        return TypedResults.Created("/v1/releases/gate-runs", run);
    }

    public static async Task<Results<Ok<GateRunList>, ProblemHttpResult>> ListAsync(HttpContext context, IClusterClient cluster)
    {
        var reader = new QueryReader(context);
        var lastN = reader.Integer(LastNQuery);
        if (reader.Errors.Count > 0)
        {
            return ApiProblems.Invalid("Invalid gate-run request", reader.Errors);
        }

        return TypedResults.Ok(new GateRunList(await cluster.GetGrain<IGateRunGrain>(0).ListAsync(lastN ?? DefaultPage)));
    }

    private static List<string> Validate(GateRunRequest? request)
    {
        if (request is null)
        {
            return ["a body is required: the promotion gate's JSON report"];
        }

        var errors = new List<string>();
        if (request.Commit is null || !CommitShape().IsMatch(request.Commit))
        {
            errors.Add("commit must be a git commit id (7 to 40 lower-case hex digits) or 'unknown'");
        }

        if (request.Promotable is null)
        {
            errors.Add("promotable is required (true or false)");
        }

        if (request.StartedAt is null || request.FinishedAt is null || request.FinishedAt < request.StartedAt)
        {
            errors.Add("started_at and finished_at are required, finished_at not before started_at");
        }

        if (request.Gates is not { Count: > 0 and <= MaxGates })
        {
            errors.Add($"gates must hold 1 to {MaxGates} gates");
            return errors;
        }

        foreach (var (gate, index) in request.Gates.Select((g, i) => (g, i)))
        {
            if (gate.Id is not (> 0 and <= MaxGates) || gate.Name is not { Length: > 0 and <= MaxNameLength } || gate.Blocking is null
                || gate.Status is null || !GateStatuses.All.Contains(gate.Status) || gate.Detail is { Length: > MaxDetailLength })
            {
                errors.Add($"gates[{index}] needs id (1 to {MaxGates}), name (1 to {MaxNameLength} characters), blocking, " +
                    $"status (pass, fail or skipped) and at most {MaxDetailLength} characters of detail");
            }
        }

        if (request.Gates.Select(g => g.Id).Distinct().Count() != request.Gates.Count)
        {
            errors.Add("gates must have distinct ids");
        }

        return errors;
    }

    [GeneratedRegex("^([0-9a-f]{7,40}|unknown)$", RegexOptions.CultureInvariant)]
    private static partial Regex CommitShape();
}

/// <summary>Body of <c>POST /v1/releases/gate-runs</c>: the promotion gate's --json report.</summary>
public sealed record GateRunRequest(
    bool? Promotable, string? Commit, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, IReadOnlyList<GateRequest>? Gates);

/// <summary>One gate of a <see cref="GateRunRequest"/>.</summary>
public sealed record GateRequest(int? Id, string? Name, bool? Blocking, string? Status, string? Detail);

public sealed record GateRunList(IReadOnlyList<GateRun> Runs);
