using Microsoft.AspNetCore.Mvc;
using Sonia.Gateway.Correlation;
using Sonia.Gateway.Security;

namespace Sonia.Gateway.Streaming;

/// <summary>
/// <c>GET /v1/stream?session_id=</c>, upgraded to a WebSocket: a session's events out, the client's input and
/// decisions in. Needs a <c>client</c> key, as the Authorization header or, for a browser that cannot set one, as the
/// first frame; the socket then only ever sees a session its key may watch.
/// </summary>
public static class StreamApi
{
    public const string Route = "/v1/stream";

    /// <summary>
    /// A client key in the header, or no Authorization header at all on a WebSocket upgrade: that socket must then
    /// authenticate with its first frame (<see cref="StreamConnection"/>), and is refused and closed otherwise.
    /// </summary>
    public const string Policy = "sonia-stream";

    public static RouteHandlerBuilder MapStreamApi(this IEndpointRouteBuilder app) => app.MapGet(Route, OpenStreamAsync)
        .WithName("OpenStream")
        .WithTags("Stream")
        .WithSummary("Conversation stream (WebSocket)")
        .WithDescription(
            "Upgrade to a WebSocket. Frames in: {\"type\":\"input.text\",\"text\",\"correlation_id\"?}, " +
            "{\"type\":\"action.approve\",\"action_id\",\"args_hash\"}, {\"type\":\"action.deny\",\"action_id\",\"reason\"?}, and, " +
            "without an Authorization header, first {\"type\":\"auth\",\"key\"}. Frames out: " +
            "{\"type\",\"session_id\",\"turn_id\",\"correlation_id\",...} for turn.started, memory.results, assistant.text, " +
            "action.proposed, action.confirmation_required, action.result, turn.completed and error {code,message,status}. " +
            "A malformed frame is answered with error; a frame over the size limit closes the socket with 1009; an unknown " +
            "session, a refused key or a client that stops reading closes it with 1008; server shutdown with 1001.")
        .Produces(StatusCodes.Status101SwitchingProtocols)
        .WithMetadata(new SoniaRoleMetadata(SoniaRoles.Client))
        .RequireAuthorization(Policy);

    public static async Task OpenStreamAsync(
        HttpContext context,
        [FromQuery(Name = "session_id")] string? sessionId,
        [FromServices] StreamServices services,
        [FromServices] IHostApplicationLifetime lifetime)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await ProblemWriter.WriteAsync(context, StatusCodes.Status400BadRequest, "WebSocket upgrade required",
                $"{Route} is a WebSocket: connect with an upgrade request (ws://.../v1/stream?session_id=...).");
            return;
        }

        var caller = SoniaRoles.Of(context.User) is { } role && context.User.Identity?.Name is { Length: > 0 } name
            ? new StreamCaller(name, role, ByFrame: false)
            : null;
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var connection = new StreamConnection(socket, services, CorrelationMiddleware.Of(context));
        await connection.RunAsync(caller, sessionId, lifetime.ApplicationStopping);
    }

    /// <summary>Whether the caller may open the stream: see <see cref="Policy"/>.</summary>
    public static bool MayOpen(HttpContext? context, System.Security.Claims.ClaimsPrincipal user) =>
        SoniaRoles.Holds(user, SoniaRoles.Client)
        || (context is not null && context.WebSockets.IsWebSocketRequest && context.Request.Headers.Authorization.Count == 0);
}
