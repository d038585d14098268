using Sonia.Grains.Interfaces.Health;
using Sonia.Hosting.Database;

namespace Sonia.Grains.Health;

/// <inheritdoc cref="IHealthSupervisorGrain"/>
public sealed class HealthSupervisorGrain(IGrainFactory grains, DatabaseProbe database, TimeProvider time)
    : Grain, IHealthSupervisorGrain
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    public async Task<HealthReport> CheckAsync()
    {
        var management = grains.GetGrain<IManagementGrain>(0);
        var hosts = await management.GetDetailedHosts(onlyActive: false);
        var silos = hosts
            .Where(h => h.Status != SiloStatus.Dead)
            .Select(h => new SiloHealth(h.SiloAddress.ToParsableString(), h.SiloName, h.Status.ToString()))
            .OrderBy(s => s.Address, StringComparer.Ordinal)
            .ToList();

        using var timeout = new CancellationTokenSource(ProbeTimeout);
        var probe = await database.ProbeAsync(timeout.Token);
        var db = new ComponentHealth("database", probe.Reachable, Math.Round(probe.Latency.TotalMilliseconds, 2), probe.Error);

        var healthy = db.Healthy && silos.Any(s => s.Status == nameof(SiloStatus.Active));
        return new HealthReport(healthy, time.GetUtcNow(), silos, db);
    }
}
