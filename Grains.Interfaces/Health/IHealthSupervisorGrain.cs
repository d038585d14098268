using Orleans.Concurrency;

namespace Sonia.Grains.Interfaces.Health;

/// <summary>Aggregated health of the cluster; one activation keyed <see cref="ClusterKey"/>.</summary>
[Alias("sonia.health-supervisor")]
public interface IHealthSupervisorGrain : IGrainWithStringKey
{
    public const string ClusterKey = "cluster";

    /// <summary>
    /// The most recent check, refreshed in the background every <c>Sonia:Health:CheckInterval</c>; calls never wait
    /// for each other (only the very first waits for the first check). Never throws for an unhealthy part.
    /// </summary>
    [Alias("check"), AlwaysInterleave]
    Task<HealthReport> CheckAsync();
}
