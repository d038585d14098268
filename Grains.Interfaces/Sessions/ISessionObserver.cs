using Orleans.Concurrency;

namespace Sonia.Grains.Interfaces.Sessions;

/// <summary>Receives a session's events (turn progress, action results); one-way, so a slow observer never blocks a turn.</summary>
[Alias("sonia.session-observer")]
public interface ISessionObserver : IGrainObserver
{
    [OneWay, Alias("on-event")]
    void OnEvent(SessionEvent e);
}

/// <summary>
/// One event of a session. <see cref="PayloadJson"/> is a JSON object with the event's own snake_case fields; the
/// WebSocket frame is <c>{"type","session_id","turn_id","correlation_id", ...payload}</c>.
/// </summary>
[GenerateSerializer, Immutable, Alias("sonia.session-event")]
public sealed record class SessionEvent(
    [property: Id(0)] string Type,
    [property: Id(1)] string SessionId,
    [property: Id(2)] string TurnId,
    [property: Id(3)] string CorrelationId,
    [property: Id(4)] string PayloadJson)
{
    /// <summary>
    /// Rises by one with each event a session activation publishes. Orleans does not promise that one-way messages
    /// arrive in the order they were sent, so a subscriber that needs the order (a stream writing frames) sorts by it.
    /// </summary>
    [Id(5)]
    public long Sequence { get; init; }
}

/// <summary>The event types a session publishes, as sent on the wire.</summary>
public static class SessionEventTypes
{
    public const string TurnStarted = "turn.started";
    public const string MemoryResults = "memory.results";
    public const string AssistantText = "assistant.text";
    public const string ActionProposed = "action.proposed";
    public const string ActionConfirmationRequired = "action.confirmation_required";
    public const string ActionResult = "action.result";
    public const string TurnCompleted = "turn.completed";
    public const string Error = "error";
}
