using Sonia.Grains.Interfaces.Sessions;

namespace Sonia.Grains.Sessions;

/// <summary>What a session keeps across activations; stored as JSON in grain storage.</summary>
[GenerateSerializer, Alias("sonia.session-state")]
public sealed record class SessionState
{
    [Id(0)] public DateTimeOffset? CreatedAt { get; set; }

    [Id(1)] public string CorrelationId { get; set; } = string.Empty;

    [Id(2)] public int TurnCount { get; set; }

    /// <summary>The key that opened the session; empty for sessions opened before owners were recorded.</summary>
    [Id(3)] public string OpenedBy { get; set; } = string.Empty;

    /// <summary>The most recent turns, oldest first, at most <see cref="SessionOptions.MaxTurns"/>.</summary>
    [Id(4)] public List<TurnSummary> Turns { get; set; } = [];

    /// <summary>Actions proposed by turns that have not ended yet, by action id: whose end to report, under which turn.</summary>
    [Id(5)] public Dictionary<string, PendingAction> Pending { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>An action a turn proposed, waiting for its end to be reported with the turn's ids.</summary>
[GenerateSerializer, Immutable, Alias("sonia.session-pending-action")]
public sealed record class PendingAction(
    [property: Id(0)] string TurnId,
    [property: Id(1)] string CorrelationId,
    [property: Id(2)] DateTimeOffset ProposedAt);
