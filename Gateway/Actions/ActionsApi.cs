using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Sonia.Gateway.Operators;
using Sonia.Gateway.Problems;
using Sonia.Gateway.Requests;
using Sonia.Gateway.Security;
using Sonia.Gateway.Sessions;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Grains.Interfaces.Sessions;

namespace Sonia.Gateway.Actions;

/// <summary><c>/v1/actions</c>: submit, read, list, approve, deny. Every rule lives in the grains; this maps HTTP.</summary>
public static partial class ActionsApi
{
    public const int DefaultPage = 50;
    public const int MaxPage = 500;
    public const int MaxReasonLength = 500;

    /// <summary>What a client refused because the ledger is saturated is told to wait before retrying.</summary>
    public const int BusyRetryAfterSeconds = 1;

    /// <summary>Well under Orleans' 30 s response timeout, so a long wait never looks like a dead silo.</summary>
    public const int MaxWaitMs = 20_000;

    public static readonly QueryParameter StatusQuery = QueryParameter.OneOf("status", ActionStatuses.All, "Only actions in this status.");
    public static readonly QueryParameter SessionQuery = QueryParameter.Text("session_id", "Only actions of this session.");
    public static readonly QueryParameter LastNQuery = QueryParameter.Integer("last_n", 1, MaxPage, $"How many, newest first (default {DefaultPage}).");
    public static readonly QueryParameter WaitQuery =
        QueryParameter.Integer("wait_ms", 0, MaxWaitMs, "Wait up to this long for the action to end before answering.");

    public static RouteGroupBuilder MapActionsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/actions").WithTags("Actions").RequireRole(SoniaRoles.Client).AddEndpointFilter<ActionVisibility>();
        group.MapPost("/", SubmitAsync).WithName("SubmitAction");
        group.MapGet("/", ListAsync).WithName("ListActions").WithQuery(StatusQuery, SessionQuery, LastNQuery);
        group.MapGet("/{actionId}", GetAsync).WithName("GetAction").WithQuery(WaitQuery);
        // A client key decides only what the assistant proposed in its own sessions (ActionVisibility.DecisionAccessAsync).
        group.MapPost("/{actionId}/approve", ApproveAsync).WithName("ApproveAction");
        group.MapPost("/{actionId}/deny", DenyAsync).WithName("DenyAction");
        return group;
    }

    public static async Task<Results<Accepted<ActionResponse>, Ok<ActionResponse>, ProblemHttpResult>> SubmitAsync(
        [FromBody] SubmitActionRequest request, HttpContext context, IClusterClient cluster)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(request.Tool))
        {
            problems.Add("tool is required");
        }
        else if (request.Tool.Length > 64)
        {
            problems.Add("tool must be at most 64 characters");
        }

        if (request.Args is not { ValueKind: System.Text.Json.JsonValueKind.Object })
        {
            problems.Add("args is required and must be a JSON object");
        }

        if (request.IdempotencyKey is { } key && !KeyShape().IsMatch(key))
        {
            problems.Add("idempotency_key must be 1-128 characters of [A-Za-z0-9._:-]");
        }

        if (request.SessionId is { } session && !SessionIds.IsValid(session))
        {
            problems.Add($"session_id must be '{SessionIds.Prefix}' followed by a 26-character ULID");
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

        // Another client's session is one it cannot see: the same 404, so neither its results nor its id leak.
        if (request.SessionId is { } sessionId
            && (await cluster.GetGrain<ISessionGrain>(sessionId).GetAsync() is not { } opened || !SessionAccess.CanSee(context, opened)))
        {
            return Problem(StatusCodes.Status404NotFound, "Session not found", $"session_id {sessionId} names no open session.");
        }

        var submission = new ActionSubmission(request.SessionId, request.Tool!, request.Args!.Value.GetRawText(), request.IdempotencyKey, actor);
        var result = request.IdempotencyKey is { } idempotencyKey
            ? await cluster.GetGrain<IActionSubmissionGrain>(idempotencyKey).SubmitAsync(submission, context.RequestAborted)
            : await NewActionAsync(cluster, submission, context.RequestAborted);

        return result.Outcome switch
        {
            SubmitOutcome.Accepted => TypedResults.Accepted($"/v1/actions/{result.Action!.ActionId}", ActionResponse.From(result.Action)),
            SubmitOutcome.Existing => TypedResults.Ok(ActionResponse.From(result.Action!)),
            SubmitOutcome.KeyConflict => Problem(StatusCodes.Status409Conflict, "Idempotency key conflict",
                $"idempotency_key was already used for action {result.Action?.ActionId} with a different request."),
            SubmitOutcome.Busy => Busy(context, result.Errors),
            _ => Invalid(result.Errors),
        };
    }

    public static async Task<Results<Ok<ActionList>, ProblemHttpResult>> ListAsync(IClusterClient cluster, HttpContext context)
    {
        var query = new QueryReader(context);
        var status = query.Choice(StatusQuery);
        var sessionId = query.Text(SessionQuery);
        var lastN = query.Integer(LastNQuery);
        if (query.Errors.Count > 0)
        {
            return Invalid(query.Errors);
        }

        if (sessionId is not null && !SessionIds.IsValid(sessionId))
        {
            return Invalid([$"session_id must be '{SessionIds.Prefix}' followed by a 26-character ULID"]);
        }

        var views = await cluster.GetGrain<IActionQueryGrain>(0).ListAsync(
            new ActionQuery(status, sessionId, lastN ?? DefaultPage) { SubmittedBy = ActionVisibility.OwnerFilter(context) });
        return TypedResults.Ok(new ActionList(views.Select(ActionResponse.From).ToList()));
    }

    /// <summary>With <c>wait_ms</c>, answers as soon as the action ends, or after that long: a client need not poll.</summary>
    public static async Task<Results<Ok<ActionResponse>, ProblemHttpResult>> GetAsync(
        string actionId, IClusterClient cluster, HttpContext context)
    {
        var query = new QueryReader(context);
        var waitMs = query.Integer(WaitQuery);
        if (!ActionIds.IsValid(actionId))
        {
            query.Errors.Insert(0, "action id must be 'act_' followed by a 26-character ULID");
        }

        if (query.Errors.Count > 0)
        {
            return Invalid(query.Errors);
        }

        var grain = cluster.GetGrain<IActionGrain>(actionId);
        var view = waitMs is > 0 ? await grain.WaitAsync(waitMs.Value) : await grain.GetAsync();
        return view is null ? NotFound(actionId) : TypedResults.Ok(ActionResponse.From(view));
    }

    public static async Task<Results<Ok<ActionResponse>, ProblemHttpResult>> ApproveAsync(
        string actionId, [FromBody] ApproveActionRequest request, HttpContext context, IClusterClient cluster)
    {
        if (Check(actionId, context, out var actor) is { } invalid)
        {
            return invalid;
        }

        if (request.ArgsHash is not { Length: 64 } hash || !hash.All(char.IsAsciiHexDigit))
        {
            return Invalid(["args_hash is required: the 64-character hex hash returned when the action was submitted"]);
        }

        if (await RefuseDecisionAsync(actionId, context, cluster) is { } refused)
        {
            return refused;
        }

        return Translate(actionId, await cluster.GetGrain<IActionGrain>(actionId).ApproveAsync(hash, actor, ActionVisibility.FourEyes(context)));
    }

    public static async Task<Results<Ok<ActionResponse>, ProblemHttpResult>> DenyAsync(
        string actionId, [FromBody] DenyActionRequest? request, HttpContext context, IClusterClient cluster)
    {
        if (Check(actionId, context, out var actor) is { } invalid)
        {
            return invalid;
        }

        if (request?.Reason is { Length: > MaxReasonLength })
        {
            return Invalid([$"reason must be at most {MaxReasonLength} characters"]);
        }

        if (await RefuseDecisionAsync(actionId, context, cluster) is { } refused)
        {
            return refused;
        }

        return Translate(actionId, await cluster.GetGrain<IActionGrain>(actionId).DenyAsync(request?.Reason, actor));
    }

    /// <summary>
    /// The refusal of a decision the key may not make (<see cref="ActionVisibility.DecisionAccessAsync"/>); null: allowed.
    /// </summary>
    private static async Task<ProblemHttpResult?> RefuseDecisionAsync(string actionId, HttpContext context, IClusterClient cluster) =>
        await ActionVisibility.DecisionAccessAsync(cluster.GetGrain<IActionGrain>(actionId),
                SoniaRoles.Holds(context.User, SoniaRoles.Operator), context.User.Identity?.Name) switch
        {
            DecisionAccess.Allowed => null,
            DecisionAccess.OwnSubmission => Problem(StatusCodes.Status403Forbidden, "Forbidden",
                "A client key decides only what the assistant proposed in its own sessions; its own actions need an operator."),
            _ => NotFound(actionId),
        };

    private static Task<SubmitResult> NewActionAsync(IClusterClient cluster, ActionSubmission submission, CancellationToken cancellationToken)
    {
        // Without a client key the action id is the key: each such request is a new action.
        var actionId = ActionIds.New();
        return cluster.GetGrain<IActionGrain>(actionId).AcceptAsync(submission, actionId, cancellationToken);
    }

    /// <summary>Nothing was recorded, and nothing will be later: retrying (even without a key) makes one action.</summary>
    private static ProblemHttpResult Busy(HttpContext context, IReadOnlyList<string> errors)
    {
        context.Response.Headers.RetryAfter = BusyRetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Problem(StatusCodes.Status503ServiceUnavailable, "Action ledger busy",
            $"The action was not recorded ({string.Join("; ", errors)}); retry after {BusyRetryAfterSeconds} s.");
    }

    private static ProblemHttpResult? Check(string actionId, HttpContext context, out string actor)
    {
        actor = OperatorActor.From(context) ?? string.Empty;
        if (!ActionIds.IsValid(actionId))
        {
            return Invalid(["action id must be 'act_' followed by a 26-character ULID"]);
        }

        return actor.Length == 0 ? Invalid([OperatorActor.Rule]) : null;
    }

    private static Results<Ok<ActionResponse>, ProblemHttpResult> Translate(string actionId, CommandResult result) => result.Outcome switch
    {
        CommandOutcome.Done => TypedResults.Ok(ActionResponse.From(result.Action!)),
        CommandOutcome.NotFound => NotFound(actionId),
        CommandOutcome.SelfApproval => Problem(StatusCodes.Status403Forbidden, "Self-approval refused", result.Error),
        CommandOutcome.HashMismatch => Problem(StatusCodes.Status409Conflict, "Arguments changed", result.Error),
        CommandOutcome.Expired => Problem(StatusCodes.Status409Conflict, "Confirmation expired", result.Error, FailureClasses.ConfirmationExpired),
        _ => Problem(StatusCodes.Status409Conflict, "Not awaiting confirmation", result.Error),
    };

    private static ProblemHttpResult NotFound(string actionId) =>
        Problem(StatusCodes.Status404NotFound, "Action not found", $"No action {actionId}.");

    private static ProblemHttpResult Invalid(IReadOnlyList<string> errors) => ApiProblems.Invalid("Invalid action request", errors);

    private static ProblemHttpResult Problem(int status, string title, string? detail, string? failureClass = null) => TypedResults.Problem(
        statusCode: status,
        title: title,
        detail: detail,
        extensions: failureClass is null ? null : new Dictionary<string, object?> { ["failure_class"] = failureClass });

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,128}$", RegexOptions.CultureInvariant)]
    private static partial Regex KeyShape();
}
