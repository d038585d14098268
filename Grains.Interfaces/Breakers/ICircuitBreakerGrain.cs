namespace Sonia.Grains.Interfaces.Breakers;

/// <summary>
/// The one cluster-wide breaker of a dependency (keyed by its name). It makes every decision; silos cache
/// its snapshot, report outcomes in batches and ask it only for half-open probe permits.
/// Methods return null for a name that is not a configured dependency.
/// </summary>
[Alias("sonia.circuit-breaker")]
public interface ICircuitBreakerGrain : IGrainWithStringKey
{
    [Alias("get")]
    Task<BreakerSnapshot?> GetAsync();

    /// <param name="minutes">How much of the per-minute series to return (1 to 1440).</param>
    [Alias("detail")]
    Task<BreakerDetail?> GetDetailAsync(int minutes);

    /// <summary>Adds a silo's batch of outcomes; returns the state after it, so the caller's cache converges.</summary>
    [Alias("report")]
    Task<BreakerSnapshot?> ReportAsync(OutcomeCounts outcomes);

    /// <summary>In open-after-the-break or half-open: a permit for one probe call, or none.</summary>
    [Alias("acquire-probe")]
    Task<ProbePermit> TryAcquireProbeAsync();

    /// <summary>The outcome of a probe call the caller got a permit for.</summary>
    [Alias("report-probe")]
    Task<BreakerSnapshot?> ReportProbeAsync(bool success);

    /// <summary>Hold the breaker open until <see cref="ResetAsync"/>.</summary>
    [Alias("isolate")]
    Task<BreakerSnapshot?> IsolateAsync(string actor, string? reason);

    /// <summary>Close the breaker and clear its window.</summary>
    [Alias("reset")]
    Task<BreakerSnapshot?> ResetAsync(string actor, string? reason);

    /// <summary>Pushes every state change to <paramref name="observer"/> until it stops renewing.</summary>
    [Alias("subscribe")]
    Task SubscribeAsync(IBreakerObserver observer);
}

/// <summary>Whether a probe call may go ahead, and the state the decision was made in.</summary>
[GenerateSerializer, Immutable, Alias("sonia.breaker-probe-permit")]
public sealed record class ProbePermit(
    [property: Id(0)] bool Granted,
    [property: Id(1)] BreakerSnapshot? Breaker);
