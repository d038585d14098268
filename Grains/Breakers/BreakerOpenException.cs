using Sonia.Grains.Interfaces.Breakers;

namespace Sonia.Grains.Breakers;

/// <summary>A call was not made because its dependency's breaker is open; failure class <c>breaker_open</c>.</summary>
public sealed class BreakerOpenException(string dependency, BreakerState state, DateTimeOffset? openUntil)
    : Exception($"the breaker of '{dependency}' is {state}" + (openUntil is { } until ? $" until {until:O}" : string.Empty))
{
    public const string FailureClass = "breaker_open";

    public string Dependency { get; } = dependency;

    public BreakerState State { get; } = state;

    public DateTimeOffset? OpenUntil { get; } = openUntil;
}
