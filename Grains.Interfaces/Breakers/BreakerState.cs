namespace Sonia.Grains.Interfaces.Breakers;

/// <summary>Where a circuit breaker stands.</summary>
[GenerateSerializer, Alias("sonia.breaker-state")]
public enum BreakerState
{
    /// <summary>Calls pass; outcomes fill the sliding window.</summary>
    Closed = 0,

    /// <summary>Calls are rejected with <c>breaker_open</c> until the break has elapsed.</summary>
    Open = 1,

    /// <summary>A few probe calls pass; their outcome closes or reopens the breaker.</summary>
    HalfOpen = 2,

    /// <summary>Held open by an operator until reset.</summary>
    Isolated = 3,
}
