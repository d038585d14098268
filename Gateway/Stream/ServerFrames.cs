using System.Buffers;
using System.Text.Json;
using Sonia.Grains.Interfaces.Sessions;
using Sonia.Grains.Interfaces.Storage;

namespace Sonia.Gateway.Streaming;

/// <summary>
/// The frames the server sends: <c>{"type","session_id","turn_id","correlation_id", ...payload}</c>. Every frame
/// carries <c>turn_id</c> and <c>correlation_id</c>; <c>turn_id</c> is null for what no turn caused (a refused frame).
/// </summary>
public static class ServerFrames
{
    public const string Error = "error";

    private static readonly HashSet<string> Envelope = new(StringComparer.Ordinal) { "type", "session_id", "turn_id", "correlation_id" };

    /// <summary>A session event as the client sees it: the envelope (an empty turn id is null), then the payload's own fields.</summary>
    public static byte[] From(SessionEvent e) => Write(e.Type, e.SessionId, NullIfEmpty(e.TurnId), e.CorrelationId, writer =>
    {
        using var payload = JsonDocument.Parse(string.IsNullOrEmpty(e.PayloadJson) ? "{}" : e.PayloadJson);
        if (payload.RootElement.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        foreach (var property in payload.RootElement.EnumerateObject())
        {
            // The envelope is the session's to say; a payload field of the same name must not contradict it.
            if (!Envelope.Contains(property.Name))
            {
                property.WriteTo(writer);
            }
        }
    });

    /// <summary>An <c>error</c> event: a machine-readable code, a message for people, and the HTTP status it stands for.</summary>
    public static byte[] ErrorEvent(string? sessionId, string? turnId, string correlationId, StreamError error) =>
        Write(Error, sessionId, turnId, correlationId, writer =>
        {
            writer.WriteString("code", error.Code);
            writer.WriteString("message", error.Message);
            writer.WriteNumber("status", error.Status);
            if (error.ActionId is not null)
            {
                writer.WriteString("action_id", error.ActionId);
            }
        });

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static byte[] Write(string type, string? sessionId, string? turnId, string correlationId, Action<Utf8JsonWriter> payload)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", type);
            writer.WriteString("session_id", sessionId);
            writer.WriteString("turn_id", turnId);
            writer.WriteString("correlation_id", correlationId);
            payload(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}

/// <summary>An error the socket reports: its code, a message, and the HTTP status the same refusal gets over REST.</summary>
public sealed record StreamError(string Code, string Message, int Status)
{
    /// <summary>The action a refused approval or denial named.</summary>
    public string? ActionId { get; init; }

    public static StreamError From(FrameError error) => new(error.Code, error.Message, StatusCodes.Status400BadRequest);

    public static StreamError SessionNotFound(string? sessionId) =>
        new("session_not_found", SessionIds.IsValid(sessionId)
            ? $"No session {sessionId} that this key may watch."
            : $"session_id must name a session: '{SessionIds.Prefix}' followed by a 26-character ULID.", StatusCodes.Status404NotFound);

    /// <summary>A grain call that failed: 503 when the cluster or the database did not answer (worth retrying), else 500.</summary>
    public static StreamError Unavailable(Exception ex, string what) => DatabaseUnavailableException.IsCause(ex)
        || ex is TimeoutException or SiloUnavailableException or OrleansMessageRejectionException
            or Orleans.Runtime.Messaging.ConnectionFailedException
        ? new("unavailable", $"{what}: the cluster did not answer in time; retry shortly.", StatusCodes.Status503ServiceUnavailable)
        : new("internal_error", $"{what}; the error is logged under this correlation id.", StatusCodes.Status500InternalServerError);
}
