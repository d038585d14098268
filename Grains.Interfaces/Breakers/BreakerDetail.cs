namespace Sonia.Grains.Interfaces.Breakers;

/// <summary>A breaker with its per-minute metric series, its transitions and its manual actions.</summary>
[GenerateSerializer, Immutable, Alias("sonia.breaker-detail")]
public sealed record class BreakerDetail(
    [property: Id(0)] BreakerSnapshot Breaker,
    [property: Id(1)] IReadOnlyList<MinuteMetrics> Minutes,
    [property: Id(2)] IReadOnlyList<BreakerTransition> Transitions,
    [property: Id(3)] IReadOnlyList<BreakerManualAction> ManualActions);

/// <summary>Outcomes counted in one UTC minute.</summary>
[GenerateSerializer, Alias("sonia.breaker-minute")]
public sealed record class MinuteMetrics
{
    [Id(0)] public DateTimeOffset Minute { get; set; }

    [Id(1)] public long Successes { get; set; }

    [Id(2)] public long Failures { get; set; }

    [Id(3)] public long SlowCalls { get; set; }

    [Id(4)] public long Rejections { get; set; }
}

/// <summary>One change of state, and why.</summary>
[GenerateSerializer, Immutable, Alias("sonia.breaker-transition")]
public sealed record class BreakerTransition(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] BreakerState From,
    [property: Id(2)] BreakerState To,
    [property: Id(3)] string Reason);

/// <summary>An operator's isolate or reset: who, when, under which correlation id.</summary>
[GenerateSerializer, Immutable, Alias("sonia.breaker-manual-action")]
public sealed record class BreakerManualAction(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] string Action,
    [property: Id(2)] string Actor,
    [property: Id(3)] string CorrelationId,
    [property: Id(4)] string? Reason);
