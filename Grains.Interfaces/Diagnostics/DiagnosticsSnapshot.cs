using Sonia.Grains.Interfaces.Actions;
using Sonia.Grains.Interfaces.Breakers;
using Sonia.Grains.Interfaces.DeadLetters;
using Sonia.Grains.Interfaces.Health;

namespace Sonia.Grains.Interfaces.Diagnostics;

/// <summary>
/// The state of everything at one moment. A section that could not be gathered is null and its reason is in
/// <see cref="Errors"/> under the section's name: one failing part never hides the others.
/// </summary>
[GenerateSerializer, Immutable, Alias("sonia.diagnostics-snapshot")]
public sealed record class DiagnosticsSnapshot(
    [property: Id(0)] HealthReport? Health,
    [property: Id(1)] BreakersSection? Breakers,
    [property: Id(2)] DeadLettersSection? Dlq,
    [property: Id(3)] ActionsSection? Actions,
    [property: Id(4)] ClusterSection? Cluster,
    [property: Id(5)] DateTimeOffset GeneratedAt,
    [property: Id(6)] IReadOnlyDictionary<string, string> Errors);

/// <summary>Every configured breaker.</summary>
[GenerateSerializer, Immutable, Alias("sonia.diagnostics-breakers")]
public sealed record class BreakersSection([property: Id(0)] IReadOnlyList<BreakerDiagnostics> Dependencies);

/// <summary>One breaker: its state, its sliding-window figures and its latest transitions, newest first.</summary>
[GenerateSerializer, Immutable, Alias("sonia.diagnostics-breaker")]
public sealed record class BreakerDiagnostics(
    [property: Id(0)] string Name,
    [property: Id(1)] BreakerState State,
    [property: Id(2)] DateTimeOffset Since,
    [property: Id(3)] DateTimeOffset? OpenUntil,
    [property: Id(4)] int ConsecutiveOpenings,
    [property: Id(5)] WindowStats Window,
    [property: Id(6)] IReadOnlyList<BreakerTransition> LastTransitions);

/// <summary>The dead-letter queue: unresolved records per failure class, and the newest records whatever their status.</summary>
[GenerateSerializer, Immutable, Alias("sonia.diagnostics-dlq")]
public sealed record class DeadLettersSection(
    [property: Id(0)] IReadOnlyDictionary<string, long> UnresolvedByFailureClass,
    [property: Id(1)] IReadOnlyList<DeadLetterView> Recent);

/// <summary>
/// The newest actions with their transitions (a timeline, newest first), and the unfinished ones (queued, approved,
/// executing, awaiting confirmation), oldest first, cut at <see cref="IDiagnosticsGrain.MaxPending"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("sonia.diagnostics-actions")]
public sealed record class ActionsSection(
    [property: Id(0)] IReadOnlyList<ActionTimelineEntry> Recent,
    [property: Id(1)] IReadOnlyList<ActionTimelineEntry> Pending,
    [property: Id(2)] long PendingTotal,
    [property: Id(3)] bool PendingTruncated);

/// <summary>One action without its arguments and result (they can be large); <see cref="Transitions"/> only in the timeline.</summary>
[GenerateSerializer, Immutable, Alias("sonia.diagnostics-action")]
public sealed record class ActionTimelineEntry(
    [property: Id(0)] string ActionId,
    [property: Id(1)] string Tool,
    [property: Id(2)] string Status,
    [property: Id(3)] int Attempts,
    [property: Id(4)] string? FailureClass,
    [property: Id(5)] string CorrelationId,
    [property: Id(6)] string? SessionId,
    [property: Id(7)] string? DlqId,
    [property: Id(8)] string? ReplayOf,
    [property: Id(9)] DateTimeOffset CreatedAt,
    [property: Id(10)] DateTimeOffset UpdatedAt,
    [property: Id(11)] DateTimeOffset? ExpiresAt)
{
    [Id(12)]
    public IReadOnlyList<AuditEntry>? Transitions { get; init; }
}

/// <summary>The silos in the membership table, and the Sonia build that gathered the snapshot.</summary>
[GenerateSerializer, Immutable, Alias("sonia.diagnostics-cluster")]
public sealed record class ClusterSection(
    [property: Id(0)] IReadOnlyList<SiloDiagnostics> Silos,
    [property: Id(1)] string SoniaVersion,
    [property: Id(2)] string AnsweredBy);

/// <summary>One silo as the membership table records it.</summary>
[GenerateSerializer, Immutable, Alias("sonia.diagnostics-silo")]
public sealed record class SiloDiagnostics(
    [property: Id(0)] string Address,
    [property: Id(1)] string Name,
    [property: Id(2)] string Status,
    [property: Id(3)] DateTimeOffset StartedAt,
    [property: Id(4)] DateTimeOffset? LastAliveAt);
