using Sonia.Gateway.Security;
using Sonia.Grains.Interfaces.Sessions;
using Sonia.Hosting.Logging;

namespace Sonia.Gateway.Streaming;

/// <summary>Who may hold the socket and which session it may watch.</summary>
public sealed partial class StreamConnection
{
    /// <summary>
    /// For a socket opened without an Authorization header (a browser cannot set one): the first frame must be
    /// <c>{"type":"auth","key":"..."}</c>, within <see cref="StreamOptions.AuthTimeout"/>. The key is checked by the same
    /// <see cref="KeyRing"/> as a header, under the same budget for keys not seen before; it is never logged or echoed.
    /// </summary>
    private async Task<StreamCaller?> AuthenticateByFrameAsync(CancellationToken shutdown)
    {
        var read = ReadFrameAsync();
        _receiving = read;
        Frame frame;
        try
        {
            frame = await read.WaitAsync(_options.AuthTimeout, _services.Time, shutdown);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            return Unauthenticated(StatusCodes.Status401Unauthorized, "auth_required", "no auth frame in time",
                $"Send {{\"type\":\"auth\",\"key\":\"<key>\"}} as the first frame, within {_options.AuthTimeout.TotalSeconds} s.");
        }

        if (frame.Kind is FrameKind.Close or FrameKind.TooBig)
        {
            return null;
        }

        var parsed = frame.Kind == FrameKind.Text ? ClientFrames.Parse(frame.Utf8, _options.MaxTextLength, out _) : null;
        if (parsed is not { Type: ClientFrame.Auth, Key: { } key })
        {
            return Unauthenticated(StatusCodes.Status401Unauthorized, "auth_required", "the first frame was not an auth frame",
                "Send an API key as 'Authorization: Bearer <key>' or as the first frame {\"type\":\"auth\",\"key\":\"<key>\"}.");
        }

        return _services.Keys.Check(key, out var identity) switch
        {
            KeyVerdict.Known => new StreamCaller(identity!.Name, identity.Role, ByFrame: true),
            KeyVerdict.Throttled => Unauthenticated(StatusCodes.Status429TooManyRequests, "too_many_unknown_keys",
                "too many keys not seen before are being checked", "Too many keys not seen before are being presented; retry in a second."),
            _ => Unauthenticated(StatusCodes.Status401Unauthorized, "unauthorized", "the key matches no configured key",
                "The key in the auth frame matches no configured key."),
        };
    }

    private StreamCaller? Unauthenticated(int status, string code, string reason, string message)
    {
        using (StreamLog.Scope(_services.AccessLogger, LogKinds.Access, _connectionCorrelationId))
        {
            StreamLog.AccessRefused(_services.AccessLogger, status, "(none)", reason);
        }

        PostError(null, _connectionCorrelationId, new StreamError(code, message, status));
        return null;
    }

    /// <summary>The session, when it exists and <paramref name="caller"/> may watch it: a client only the ones it opened.</summary>
    private async Task<SessionView?> FindSessionAsync(StreamCaller caller, string? sessionId)
    {
        if (!SessionIds.IsValid(sessionId))
        {
            return null;
        }

        var session = await _services.Cluster.GetGrain<ISessionGrain>(sessionId!).GetAsync();
        return session is not null && (caller.SeesEverySession || session.OpenedBy == caller.Name) ? session : null;
    }
}
