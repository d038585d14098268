using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Sonia.Gateway.Operators;
using Sonia.Gateway.Problems;
using Sonia.Gateway.Requests;
using Sonia.Gateway.Security;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Grains.Interfaces.DeadLetters;

namespace Sonia.Gateway.DeadLetters;

/// <summary><c>/v1/dlq</c>: read, replay (dry run unless <c>dry_run=false</c>), batch replay jobs, discard.</summary>
public static class DeadLettersApi
{
    public const int DefaultPage = 50;
    public const int MaxPage = 500;
    public const int MaxReasonLength = 500;
    public const double DefaultPerSecond = ReplayRates.Default;
    public const double MaxPerSecond = ReplayRates.Max;

    public static readonly QueryParameter StatusQuery = QueryParameter.OneOf("status", DeadLetterStatuses.All, "Only records in this status.");
    public static readonly QueryParameter FailureClassQuery =
        QueryParameter.OneOf("failure_class", FailureClasses.All, "Only records that failed with this class.");
    public static readonly QueryParameter ToolQuery = QueryParameter.Text("tool", "Only records of this tool.");
    public static readonly QueryParameter SinceQuery = QueryParameter.Time("since", "Only records created at or after this time.");
    public static readonly QueryParameter LastNQuery = QueryParameter.Integer("last_n", 1, MaxPage, $"How many, newest first (default {DefaultPage}).");

    public static RouteGroupBuilder MapDeadLettersApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/dlq").WithTags("Dead letters").RequireRole(SoniaRoles.Operator);
        group.MapGet("/", ListAsync).WithName("ListDeadLetters").WithQuery(StatusQuery, FailureClassQuery, ToolQuery, SinceQuery, LastNQuery);
        group.MapPost("/replay", ReplayBatchAsync).WithName("ReplayDeadLetters").WithQuery(DryRun.Query);
        group.MapGet("/replays/{jobId}", GetJobAsync).WithName("GetReplayJob");
        group.MapPost("/replays/{jobId}/cancel", CancelJobAsync).WithName("CancelReplayJob");
        group.MapGet("/{dlqId}", GetAsync).WithName("GetDeadLetter");
        group.MapPost("/{dlqId}/replay", ReplayAsync).WithName("ReplayDeadLetter").WithQuery(DryRun.Query);
        group.MapPost("/{dlqId}/discard", DiscardAsync).WithName("DiscardDeadLetter");
        return group;
    }

    public static async Task<Results<Ok<DeadLetterList>, ProblemHttpResult>> ListAsync(IClusterClient cluster, HttpContext context)
    {
        var reader = new QueryReader(context);
        var status = reader.Choice(StatusQuery);
        var failureClass = reader.Choice(FailureClassQuery);
        var tool = reader.Text(ToolQuery);
        var since = reader.Time(SinceQuery);
        var lastN = reader.Integer(LastNQuery);
        if (reader.Errors.Count > 0)
        {
            return Invalid(reader.Errors);
        }

        var query = cluster.GetGrain<IDeadLetterQueryGrain>(0);
        var records = await query.ListAsync(new DeadLetterQuery(status, failureClass, tool, since, lastN ?? DefaultPage));
        return TypedResults.Ok(new DeadLetterList(records.Select(DeadLetterResponse.From).ToList(), await query.CountsAsync()));
    }

    public static async Task<Results<Ok<DeadLetterResponse>, ProblemHttpResult>> GetAsync(string dlqId, IClusterClient cluster)
    {
        if (!DeadLetterIds.IsValid(dlqId))
        {
            return Invalid(["dead letter id must be 'dlq_' followed by a 26-character ULID"]);
        }

        var record = await cluster.GetGrain<IDeadLetterGrain>(dlqId).GetAsync();
        return record is null ? NotFound(dlqId) : TypedResults.Ok(DeadLetterResponse.From(record));
    }

    public static async Task<Results<Ok<ReplayResponse>, ProblemHttpResult>> ReplayAsync(
        string dlqId, HttpContext context, IClusterClient cluster, [FromBody] ReplayRequest? request)
    {
        if (Check(dlqId, context, out var actor) is { } invalid)
        {
            return invalid;
        }

        var query = new QueryReader(context);
        var dry = DryRun.Resolve(query, request?.DryRun);
        if (query.Errors.Count > 0)
        {
            return Invalid(query.Errors);
        }
        var result = await cluster.GetGrain<IDeadLetterGrain>(dlqId).ReplayAsync(dry, actor);
        return result.Outcome switch
        {
            ReplayOutcome.NotFound => NotFound(dlqId),
            ReplayOutcome.DryRun or ReplayOutcome.Replayed => TypedResults.Ok(ReplayResponse.From(dry, result)),
            ReplayOutcome.Conflict => Conflict("Already resolved", result),
            _ => Conflict("Replay refused", result),
        };
    }

    public static async Task<Results<Ok<DeadLetterResponse>, ProblemHttpResult>> DiscardAsync(
        string dlqId, HttpContext context, IClusterClient cluster, [FromBody] DiscardRequest? request)
    {
        if (Check(dlqId, context, out var actor) is { } invalid)
        {
            return invalid;
        }

        if (request?.Reason is { Length: > MaxReasonLength })
        {
            return Invalid([$"reason must be at most {MaxReasonLength} characters"]);
        }

        var result = await cluster.GetGrain<IDeadLetterGrain>(dlqId).DiscardAsync(request?.Reason, actor);
        return result.Outcome switch
        {
            ReplayOutcome.NotFound => NotFound(dlqId),
            ReplayOutcome.Discarded => TypedResults.Ok(DeadLetterResponse.From(result.Record!)),
            _ => Conflict("Already resolved", result),
        };
    }

    public static async Task<Results<Ok<ReplayBatchPreview>, Accepted<ReplayJobView>, ProblemHttpResult>> ReplayBatchAsync(
        HttpContext context, IClusterClient cluster, [FromBody] ReplayBatchRequest? request)
    {
        var query = new QueryReader(context);
        var dryRun = DryRun.Resolve(query, request?.DryRun);
        var problems = query.Errors;
        var body = request ?? new ReplayBatchRequest(null, null, null, null, null, null);
        if (body.FailureClass is not null && !FailureClasses.All.Contains(body.FailureClass))
        {
            problems.Add($"failure_class must be one of {string.Join(", ", FailureClasses.All.Order())}");
        }

        if (body.Ids is { Count: > 1000 } || body.Ids?.Any(id => !DeadLetterIds.IsValid(id)) == true)
        {
            problems.Add("ids must be at most 1000 dead letter ids ('dlq_' and a ULID)");
        }

        // Bounded both ways: a tiny rate would overflow the job's tick period after it was saved.
        var rate = body.MaxPerSecond ?? DefaultPerSecond;
        if (ReplayRates.Problem(rate) is { } badRate)
        {
            problems.Add(badRate);
        }

        if (OperatorActor.From(context) is not { } actor)
        {
            problems.Add(OperatorActor.Rule);
            actor = OperatorActor.Anonymous;
        }

        if (problems.Count > 0)
        {
            return Invalid(problems);
        }

        var spec = new ReplayBatchSpec(body.FailureClass, body.Tool, body.Since, body.Ids, rate, actor);
        if (dryRun)
        {
            return TypedResults.Ok(await cluster.GetGrain<IDeadLetterQueryGrain>(0).PreviewAsync(spec));
        }

        var jobId = DeadLetterIds.NewJob();
        var job = await cluster.GetGrain<IReplayJobGrain>(jobId).StartAsync(spec);
        return TypedResults.Accepted($"/v1/dlq/replays/{jobId}", job);
    }

    public static async Task<Results<Ok<ReplayJobView>, ProblemHttpResult>> GetJobAsync(string jobId, IClusterClient cluster)
    {
        if (!DeadLetterIds.IsValidJob(jobId))
        {
            return Invalid(["job id must be 'rpj_' followed by a 26-character ULID"]);
        }

        var job = await cluster.GetGrain<IReplayJobGrain>(jobId).GetAsync();
        return job is null ? NotFoundJob(jobId) : TypedResults.Ok(job);
    }

    public static async Task<Results<Ok<ReplayJobView>, ProblemHttpResult>> CancelJobAsync(string jobId, HttpContext context, IClusterClient cluster)
    {
        if (!DeadLetterIds.IsValidJob(jobId))
        {
            return Invalid(["job id must be 'rpj_' followed by a 26-character ULID"]);
        }

        var job = await cluster.GetGrain<IReplayJobGrain>(jobId).CancelAsync(OperatorActor.From(context) ?? OperatorActor.Anonymous);
        return job is null ? NotFoundJob(jobId) : TypedResults.Ok(job);
    }

    private static ProblemHttpResult? Check(string dlqId, HttpContext context, out string actor)
    {
        actor = OperatorActor.From(context) ?? string.Empty;
        if (!DeadLetterIds.IsValid(dlqId))
        {
            return Invalid(["dead letter id must be 'dlq_' followed by a 26-character ULID"]);
        }

        return actor.Length == 0 ? Invalid([OperatorActor.Rule]) : null;
    }

    private static ProblemHttpResult Conflict(string title, ReplayResult result) => TypedResults.Problem(
        statusCode: StatusCodes.Status409Conflict,
        title: title,
        detail: string.Join("; ", result.Verdict?.Reasons ?? [$"the record is {result.Record?.Status}"]),
        extensions: new Dictionary<string, object?>
        {
            ["reasons"] = result.Verdict?.Reasons ?? [],
            ["status_of_record"] = result.Record?.Status,
            ["replay_action_id"] = result.ReplayActionId,
        });

    private static ProblemHttpResult NotFound(string dlqId) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Dead letter not found", detail: $"No dead letter {dlqId}.");

    private static ProblemHttpResult NotFoundJob(string jobId) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Replay job not found", detail: $"No replay job {jobId}.");

    private static ProblemHttpResult Invalid(IReadOnlyList<string> errors) => ApiProblems.Invalid("Invalid dead-letter request", errors);
}

public sealed record DiscardRequest(string? Reason);

/// <summary>Optional body of a single replay; <c>dry_run</c> may come from the query string instead.</summary>
public sealed record ReplayRequest(bool? DryRun);

public sealed record ReplayBatchRequest(string? FailureClass, string? Tool, DateTimeOffset? Since, IReadOnlyList<string>? Ids, bool? DryRun, double? MaxPerSecond);

public sealed record DeadLetterList(IReadOnlyList<DeadLetterResponse> DeadLetters, IReadOnlyDictionary<string, int> UnresolvedByFailureClass);

/// <summary>A dead letter as the API returns it: its args as JSON.</summary>
public sealed record DeadLetterResponse(
    string DlqId, string ActionId, string CorrelationId, string FailureClass, string? ErrorType, string? ErrorMessage, int Attempts,
    string Tool, JsonElement Args, string IdempotencyKey, string Status, DateTimeOffset CreatedAt, DateTimeOffset? ResolvedAt,
    string? ResolvedBy, string? ResolutionReason, string? ReplayActionId)
{
    public static DeadLetterResponse From(DeadLetterView d)
    {
        using var args = JsonDocument.Parse(d.Args);
        return new(d.DlqId, d.ActionId, d.CorrelationId, d.FailureClass, d.ErrorType, d.ErrorMessage, d.Attempts, d.Tool, args.RootElement.Clone(),
            d.IdempotencyKey, d.Status, d.CreatedAt, d.ResolvedAt, d.ResolvedBy, d.ResolutionReason, d.ReplayActionId);
    }
}

/// <summary>The answer to one replay: the verdict, and for a real one the new action.</summary>
public sealed record ReplayResponse(string DlqId, bool DryRun, bool WouldReplay, IReadOnlyList<string> Reasons, string? ReplayActionId, DeadLetterResponse? DeadLetter)
{
    public static ReplayResponse From(bool dryRun, ReplayResult result) => new(
        result.Verdict?.DlqId ?? result.Record?.DlqId ?? string.Empty,
        dryRun,
        result.Verdict?.WouldReplay ?? false,
        result.Verdict?.Reasons ?? [],
        result.ReplayActionId,
        result.Record is { } record ? DeadLetterResponse.From(record) : null);
}
