using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Sonia.Gateway.Operators;
using Sonia.Gateway.Problems;
using Sonia.Gateway.Security;
using Sonia.Grains.Interfaces.Sessions;
using Sonia.Hosting.Correlation;

namespace Sonia.Gateway.Sessions;

/// <summary><c>/v1/sessions</c>: open a session, read one, run a turn in it.</summary>
public static class SessionsApi
{
    public static RouteGroupBuilder MapSessionsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/sessions").WithTags("Sessions").RequireRole(SoniaRoles.Client);
        group.MapPost("/", OpenSessionAsync).WithName("OpenSession");
        group.MapGet("/{sessionId}", GetSessionAsync).WithName("GetSession");
        group.MapPost("/{sessionId}/turns", RunTurnAsync).WithName("RunTurn");
        return group;
    }

    public static async Task<Created<SessionView>> OpenSessionAsync(HttpContext context, IClusterClient cluster)
    {
        var sessionId = SessionIds.New();
        var session = await cluster.GetGrain<ISessionGrain>(sessionId).OpenAsync(OperatorActor.From(context));
        return TypedResults.Created($"/v1/sessions/{sessionId}", session);
    }

    public static async Task<Results<Ok<SessionView>, ProblemHttpResult>> GetSessionAsync(
        string sessionId, HttpContext context, IClusterClient cluster)
    {
        if (!SessionIds.IsValid(sessionId))
        {
            return InvalidId();
        }

        var session = await cluster.GetGrain<ISessionGrain>(sessionId).GetAsync();
        return session is not null && SessionAccess.CanSee(context, session) ? TypedResults.Ok(session) : NotFound(sessionId);
    }

    /// <summary>Runs one turn: memory search, router, proposed actions. A degraded turn (memory or router down) is still a 200.</summary>
    public static async Task<Results<Ok<TurnResponse>, ProblemHttpResult>> RunTurnAsync(
        string sessionId, [FromBody] RunTurnRequest request, HttpContext context, IClusterClient cluster)
    {
        if (!SessionIds.IsValid(sessionId))
        {
            return InvalidId();
        }

        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(request.Text))
        {
            problems.Add("text is required and must not be blank");
        }
        else if (request.Text.Length > TurnLimits.MaxTextLength)
        {
            problems.Add($"text must be at most {TurnLimits.MaxTextLength} characters; got {request.Text.Length}");
        }

        if (request.CorrelationId is { } correlationId && !CorrelationId.IsValid(correlationId))
        {
            problems.Add($"correlation_id must be at most {CorrelationId.MaxLength} characters of [A-Za-z0-9._:-]");
        }

        if (problems.Count > 0)
        {
            return ApiProblems.Invalid("Invalid turn", problems);
        }

        var grain = cluster.GetGrain<ISessionGrain>(sessionId);
        if (await grain.GetAsync() is not { } session || !SessionAccess.CanSee(context, session))
        {
            return NotFound(sessionId);
        }

        var result = await grain.RunTurnAsync(new TurnRequest(request.Text!, request.CorrelationId, OperatorActor.From(context)));
        return TypedResults.Ok(TurnResponse.From(result));
    }

    private static ProblemHttpResult InvalidId() => TypedResults.Problem(
        statusCode: StatusCodes.Status400BadRequest,
        title: "Invalid session id",
        detail: $"A session id is '{SessionIds.Prefix}' followed by a 26-character ULID.");

    private static ProblemHttpResult NotFound(string sessionId) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Session not found", detail: $"No session {sessionId}.");
}
