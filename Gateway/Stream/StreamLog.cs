using Sonia.Hosting.Correlation;
using Sonia.Hosting.Logging;

namespace Sonia.Gateway.Streaming;

/// <summary>
/// What the stream writes down. Socket failures go to <c>error_log</c> with the correlation id of the work they
/// concern; frames' contents never do (an <c>auth</c> frame holds a key, an <c>input.text</c> what a person said).
/// </summary>
public static partial class StreamLog
{
    /// <summary>A scope putting the lines logged inside it into <paramref name="kind"/>, with <paramref name="correlationId"/>.</summary>
    public static IDisposable? Scope(ILogger logger, string kind, string correlationId)
    {
        // The id goes in as a field of its own: the socket's lines are not logged inside one grain call's RequestContext.
        KeyValuePair<string, object?>[] scope = [new(LogKinds.Property, kind), new(CorrelationId.Key, correlationId)];
        return logger.BeginScope(scope);
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "GET /v1/stream upgraded to WebSocket for session {SessionId} by {Actor} (key sent as {KeyTransport})")]
    public static partial void Opened(ILogger logger, string sessionId, string actor, string keyTransport);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Stream for session {SessionId} closed with {CloseStatus} ({CloseReason}) after {DurationMs} ms")]
    public static partial void Closed(ILogger logger, string sessionId, int closeStatus, string closeReason, double durationMs);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Stream for session {SessionId} disconnected: the client stopped reading and {Capacity} events were waiting")]
    public static partial void SlowReader(ILogger logger, string sessionId, int capacity);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream for session {SessionId} refused: {Reason}")]
    public static partial void Refused(ILogger logger, string sessionId, string reason);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Access refused ({Status}) to WebSocket /v1/stream for key {KeyName}: {Reason}")]
    public static partial void AccessRefused(ILogger logger, int status, string keyName, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Stream for session {SessionId} failed: {Error}")]
    public static partial void Failed(ILogger logger, Exception exception, string sessionId, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Turn over the stream for session {SessionId} failed: {Error}")]
    public static partial void TurnFailed(ILogger logger, Exception exception, string sessionId, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Command} of action {ActionId} over the stream failed: {Error}")]
    public static partial void CommandFailed(ILogger logger, Exception exception, string command, string actionId, string error);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Stream for session {SessionId} could not renew its subscription (events may be missed until it does): {Error}")]
    public static partial void ResubscribeFailed(ILogger logger, string sessionId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream for session {SessionId} dropped an event it could not read: {Error}")]
    public static partial void BadEvent(ILogger logger, string sessionId, string error);
}
