namespace Sonia.Grains.Interfaces.Sessions;

/// <summary>One user input. <see cref="Actor"/> is the authenticated key name ("local" in open mode).</summary>
[GenerateSerializer, Immutable, Alias("sonia.turn-request")]
public sealed record class TurnRequest(
    [property: Id(0)] string Text,
    [property: Id(1)] string? CorrelationId,
    [property: Id(2)] string Actor);

/// <summary>What one turn produced; <see cref="Degraded"/> says memory or router was unavailable.</summary>
[GenerateSerializer, Immutable, Alias("sonia.turn-result")]
public sealed record class TurnResult(
    [property: Id(0)] string TurnId,
    [property: Id(1)] string CorrelationId,
    [property: Id(2)] string AssistantText,
    [property: Id(3)] IReadOnlyList<MemoryHit> Memories,
    [property: Id(4)] IReadOnlyList<TurnAction> Actions,
    [property: Id(5)] bool Degraded,
    [property: Id(6)] IReadOnlyList<string> Errors);

/// <summary>One memory found for a turn.</summary>
[GenerateSerializer, Immutable, Alias("sonia.memory-hit")]
public sealed record class MemoryHit(
    [property: Id(0)] string MemoryId,
    [property: Id(1)] string Text,
    [property: Id(2)] double Score);

/// <summary>An action a turn proposed; <see cref="ArgsHash"/> only while it awaits confirmation.</summary>
[GenerateSerializer, Immutable, Alias("sonia.turn-action")]
public sealed record class TurnAction(
    [property: Id(0)] string ActionId,
    [property: Id(1)] string Tool,
    [property: Id(2)] string Status,
    [property: Id(3)] string? ArgsHash);

/// <summary>A past turn as kept in the session's bounded history.</summary>
[GenerateSerializer, Immutable, Alias("sonia.turn-summary")]
public sealed record class TurnSummary(
    [property: Id(0)] string TurnId,
    [property: Id(1)] string CorrelationId,
    [property: Id(2)] DateTimeOffset At,
    [property: Id(3)] string UserText,
    [property: Id(4)] string AssistantText,
    [property: Id(5)] IReadOnlyList<TurnAction> Actions,
    [property: Id(6)] bool Degraded);

/// <summary>Turn ids are <c>trn_</c> and a ULID.</summary>
public static class TurnIds
{
    public const string Prefix = "trn_";

    public static string New() => PrefixedIds.New(Prefix);
}

/// <summary>
/// Actions the router proposes are submitted as <c>assistant:&lt;owner&gt;</c>: the owner sees them as its own and may
/// approve them (the proposer is the assistant, the approver the person, so four-eyes holds).
/// </summary>
public static class AssistantActors
{
    public const string Prefix = "assistant:";

    public static string For(string owner) => Prefix + owner;

    /// <summary>True when <paramref name="submittedBy"/> is the assistant acting for <paramref name="owner"/>.</summary>
    public static bool IsFor(string? submittedBy, string? owner) =>
        owner is { Length: > 0 } && submittedBy is not null
        && submittedBy.Length == Prefix.Length + owner.Length
        && submittedBy.StartsWith(Prefix, StringComparison.Ordinal) && submittedBy.EndsWith(owner, StringComparison.Ordinal);
}

/// <summary>Bounds on what a client may send as a turn.</summary>
public static class TurnLimits
{
    public const int MaxTextLength = 4000;
}
