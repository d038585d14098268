namespace Sonia.Grains.Interfaces.Sessions;

/// <summary>What a caller may see of a session.</summary>
[GenerateSerializer, Immutable, Alias("sonia.session-view")]
public sealed record class SessionView(
    [property: Id(0)] string SessionId,
    [property: Id(1)] DateTimeOffset CreatedAt,
    [property: Id(2)] string CorrelationId,
    [property: Id(3)] int TurnCount)
{
    /// <summary>The key that opened the session; a client key sees only the sessions it opened.</summary>
    [Id(4)]
    public string OpenedBy { get; init; } = string.Empty;

    /// <summary>The most recent turns, oldest first (bounded per session).</summary>
    [Id(5)]
    public IReadOnlyList<TurnSummary> Turns { get; init; } = [];
}
