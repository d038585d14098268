namespace Sonia.Grains.Interfaces.Breakers;

/// <summary>A breaker's state as every silo caches it; <see cref="Version"/> grows with every change.</summary>
[GenerateSerializer, Immutable, Alias("sonia.breaker-snapshot")]
public sealed record class BreakerSnapshot(
    [property: Id(0)] string Name,
    [property: Id(1)] BreakerState State,
    [property: Id(2)] DateTimeOffset Since,
    [property: Id(3)] DateTimeOffset? OpenUntil,
    [property: Id(4)] int ConsecutiveOpenings,
    [property: Id(5)] WindowStats Window,
    [property: Id(6)] long Version);

/// <summary>Outcomes inside the current sliding window.</summary>
[GenerateSerializer, Immutable, Alias("sonia.breaker-window")]
public sealed record class WindowStats(
    [property: Id(0)] long Calls,
    [property: Id(1)] long Failures,
    [property: Id(2)] long SlowCalls,
    [property: Id(3)] double FailureRatio);
