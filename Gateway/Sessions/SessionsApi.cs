using Microsoft.AspNetCore.Http.HttpResults;
using Sonia.Gateway.Security;
using Sonia.Grains.Interfaces.Sessions;

namespace Sonia.Gateway.Sessions;

/// <summary><c>/v1/sessions</c>: open a session, read one.</summary>
public static class SessionsApi
{
    public static RouteGroupBuilder MapSessionsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/sessions").WithTags("Sessions").RequireRole(SoniaRoles.Client);
        group.MapPost("/", OpenSessionAsync).WithName("OpenSession");
        group.MapGet("/{sessionId}", GetSessionAsync).WithName("GetSession");
        return group;
    }

    public static async Task<Created<SessionView>> OpenSessionAsync(IClusterClient cluster)
    {
        var sessionId = SessionIds.New();
        var session = await cluster.GetGrain<ISessionGrain>(sessionId).OpenAsync();
        return TypedResults.Created($"/v1/sessions/{sessionId}", session);
    }

    public static async Task<Results<Ok<SessionView>, ProblemHttpResult>> GetSessionAsync(string sessionId, IClusterClient cluster)
    {
        if (!SessionIds.IsValid(sessionId))
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status400BadRequest,
                title: "Invalid session id",
                detail: $"A session id is '{SessionIds.Prefix}' followed by a 26-character ULID.");
        }

        var session = await cluster.GetGrain<ISessionGrain>(sessionId).GetAsync();
        return session is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Session not found", detail: $"No session {sessionId}.")
            : TypedResults.Ok(session);
    }
}
