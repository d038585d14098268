using System.Buffers;
using System.Net.WebSockets;
using Sonia.Grains.Interfaces.Sessions;
using Sonia.Hosting.Logging;

namespace Sonia.Gateway.Streaming;

/// <summary>
/// One client's socket on <c>/v1/stream</c>: authenticates it, checks it may watch the session, subscribes to the
/// session's events and forwards them, and turns the client's frames into grain calls. Exactly one task sends
/// (<see cref="SendLoopAsync"/>, draining the bounded <see cref="StreamOutbox"/>); reads are never cancelled, since
/// cancelling a WebSocket read aborts the socket: the socket ends with a close handshake, or with Abort when that
/// handshake does not finish within <see cref="StreamOptions.CloseTimeout"/>.
/// </summary>
public sealed partial class StreamConnection
{
    private readonly WebSocket _socket;
    private readonly StreamServices _services;
    private readonly StreamOptions _options;
    private readonly StreamOutbox _outbox;
    private readonly ILogger _logger;
    private readonly string _connectionCorrelationId;
    private readonly ArrayBufferWriter<byte> _frame = new(4096);
    private Task _receiving = Task.CompletedTask;
    private string? _sessionId;

    public StreamConnection(WebSocket socket, StreamServices services, string connectionCorrelationId)
    {
        _socket = socket;
        _services = services;
        _options = services.Options;
        _outbox = new StreamOutbox(_options.OutgoingQueueCapacity);
        _logger = services.Logger;
        _connectionCorrelationId = connectionCorrelationId;
    }

    /// <summary>Serves the socket until the client or the server ends it, then closes it.</summary>
    public async Task RunAsync(StreamCaller? caller, string? sessionId, CancellationToken shutdown)
    {
        var started = _services.Time.GetTimestamp();
        _sessionId = sessionId;
        var sending = SendLoopAsync();
        CloseReason reason;
        try
        {
            reason = await ServeAsync(caller, sessionId, shutdown);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            using (StreamLog.Scope(_logger, LogKinds.Error, _connectionCorrelationId))
            {
                StreamLog.Failed(_logger, ex, sessionId ?? "(none)", ex.Message);
            }

            PostError(null, _connectionCorrelationId, StreamError.Unavailable(ex, "the stream failed"));

            reason = CloseReason.Internal;
        }

        await CloseAsync(reason, sending);
        using (StreamLog.Scope(_logger, LogKinds.App, _connectionCorrelationId))
        {
            StreamLog.Closed(_logger, sessionId ?? "(none)", (int)reason.Status, reason.Description,
                Math.Round(_services.Time.GetElapsedTime(started).TotalMilliseconds, 2));
        }
    }

    private async Task<CloseReason> ServeAsync(StreamCaller? caller, string? sessionId, CancellationToken shutdown)
    {
        caller ??= await AuthenticateByFrameAsync(shutdown);
        if (caller is null)
        {
            return shutdown.IsCancellationRequested ? CloseReason.GoingAway : CloseReason.Policy("authentication required");
        }

        if (await FindSessionAsync(caller, sessionId) is not { } session)
        {
            using (StreamLog.Scope(_logger, LogKinds.Access, _connectionCorrelationId))
            {
                StreamLog.Refused(_logger, sessionId ?? "(none)", $"{caller.Name} may not watch it or it does not exist");
            }

            PostError(null, _connectionCorrelationId, StreamError.SessionNotFound(sessionId));
            return CloseReason.Policy("session not found");
        }

        using (StreamLog.Scope(_logger, LogKinds.Access, _connectionCorrelationId))
        {
            StreamLog.Opened(_logger, session.SessionId, caller.Name, caller.ByFrame ? "auth frame" : "Authorization header");
        }

        var subscription = await SessionSubscription.StartAsync(_services, session.SessionId, _outbox, _connectionCorrelationId);
        using var stop = new CancellationTokenSource();
        var renewing = subscription.RenewLoopAsync(stop.Token);
        var stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var onShutdown = shutdown.Register(() => stopping.TrySetResult());
        try
        {
            var receiving = ReceiveLoopAsync(new Commands(this, caller, session.SessionId));
            _receiving = receiving;
            var first = await Task.WhenAny(receiving, _outbox.Overflowed, stopping.Task);
            if (first == _outbox.Overflowed)
            {
                using (StreamLog.Scope(_logger, LogKinds.Error, _connectionCorrelationId))
                {
                    StreamLog.SlowReader(_logger, session.SessionId, _outbox.Capacity);
                }

                return CloseReason.Policy("client not reading: too many events waiting");
            }

            return first == receiving ? await receiving : CloseReason.GoingAway;
        }
        finally
        {
            await stop.CancelAsync();
            await renewing;
            await subscription.DisposeAsync();
        }
    }

    /// <summary>Sends what is queued (all of it when the socket closes normally), one frame at a time.</summary>
    private async Task SendLoopAsync()
    {
        try
        {
            await foreach (var frame in _outbox.Reader.ReadAllAsync())
            {
                await _socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The socket was aborted or the client went away; closing will notice.
        }
    }

    /// <summary>Reads frames until the client closes or breaks the protocol; each frame is handled before the next is read.</summary>
    private async Task<CloseReason> ReceiveLoopAsync(Commands commands)
    {
        try
        {
            while (true)
            {
                var frame = await ReadFrameAsync();
                switch (frame.Kind)
                {
                    case FrameKind.Close:
                        return CloseReason.ClientClosed;
                    case FrameKind.TooBig:
                        return CloseReason.TooBig(_options.MaxFrameBytes);
                    case FrameKind.Binary:
                        PostError(null, _connectionCorrelationId, new StreamError(ClientFrames.InvalidFrame,
                            "frames are JSON text; binary frames are not accepted", StatusCodes.Status400BadRequest));
                        break;
                    default:
                        await commands.HandleAsync(frame.Utf8);
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            return CloseReason.Gone;
        }
        finally
        {
            commands.Complete();
        }
    }

    /// <summary>One whole message, up to <see cref="StreamOptions.MaxFrameBytes"/> (never reading more than one byte past it).</summary>
    private async Task<Frame> ReadFrameAsync()
    {
        _frame.ResetWrittenCount();
        while (true)
        {
            var room = _options.MaxFrameBytes + 1 - _frame.WrittenCount;
            var result = await _socket.ReceiveAsync(_frame.GetMemory(Math.Min(room, 16 * 1024))[..Math.Min(room, 16 * 1024)],
                CancellationToken.None);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return new Frame(FrameKind.Close, default);
            }

            _frame.Advance(result.Count);
            if (_frame.WrittenCount > _options.MaxFrameBytes)
            {
                return new Frame(FrameKind.TooBig, default);
            }

            if (result.EndOfMessage)
            {
                var kind = result.MessageType == WebSocketMessageType.Binary ? FrameKind.Binary : FrameKind.Text;
                return new Frame(kind, _frame.WrittenMemory);
            }
        }
    }

    private void PostError(string? turnId, string correlationId, StreamError error) =>
        _outbox.Post(ServerFrames.ErrorEvent(_sessionId, turnId, correlationId, error));

    /// <summary>
    /// Sends what is queued, then the close frame, then waits for the client's; whatever does not finish in time (a client
    /// that stopped reading never lets the last send finish) ends with Abort, so no socket outlives its close by long.
    /// </summary>
    private async Task CloseAsync(CloseReason reason, Task sending)
    {
        _outbox.Complete();
        var timeout = _options.CloseTimeout;
        if (!await FinishesWithinAsync(sending, timeout))
        {
            // The last send is stuck behind a client that does not read: no close frame can get through either.
            _socket.Abort();
            await sending;
            return;
        }

        if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            try
            {
                using var deadline = new CancellationTokenSource(timeout, _services.Time);
                await _socket.CloseOutputAsync(reason.Status, reason.Description, deadline.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException)
            {
                // Aborted below.
            }
        }

        if (_receiving.IsCompleted && _socket.State == WebSocketState.CloseSent)
        {
            // Nobody reads any more (the client broke the protocol): take its close frame, discarding what comes before.
            _receiving = DiscardUntilCloseAsync();
        }

        if (!await FinishesWithinAsync(_receiving, timeout) || _socket.State != WebSocketState.Closed)
        {
            _socket.Abort();
        }

        await sending;
    }

    private async Task DiscardUntilCloseAsync()
    {
        try
        {
            while ((await ReadFrameAsync()).Kind != FrameKind.Close)
            {
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Aborted.
        }
    }

    private async Task<bool> FinishesWithinAsync(Task task, TimeSpan timeout)
    {
        try
        {
            await task.WaitAsync(timeout, _services.Time);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private enum FrameKind
    {
        Text,
        Binary,
        Close,
        TooBig,
    }

    private readonly record struct Frame(FrameKind Kind, ReadOnlyMemory<byte> Utf8);
}

/// <summary>How and why the server closes a socket.</summary>
public sealed record CloseReason(WebSocketCloseStatus Status, string Description)
{
    public static readonly CloseReason ClientClosed = new(WebSocketCloseStatus.NormalClosure, "closed by the client");
    public static readonly CloseReason Gone = new(WebSocketCloseStatus.EndpointUnavailable, "connection lost");
    public static readonly CloseReason GoingAway = new(WebSocketCloseStatus.EndpointUnavailable, "server shutting down");
    public static readonly CloseReason Internal = new(WebSocketCloseStatus.InternalServerError, "internal error");

    public static CloseReason Policy(string why) => new(WebSocketCloseStatus.PolicyViolation, why);

    public static CloseReason TooBig(int max) => new(WebSocketCloseStatus.MessageTooBig, $"frame larger than {max} bytes");
}
