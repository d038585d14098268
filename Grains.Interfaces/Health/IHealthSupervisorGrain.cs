namespace Sonia.Grains.Interfaces.Health;

/// <summary>Aggregated health of the cluster; one activation keyed <see cref="ClusterKey"/>.</summary>
[Alias("sonia.health-supervisor")]
public interface IHealthSupervisorGrain : IGrainWithStringKey
{
    public const string ClusterKey = "cluster";

    /// <summary>Checks the silos and the database now; never cached, never throws for an unhealthy part.</summary>
    [Alias("check")]
    Task<HealthReport> CheckAsync();
}
