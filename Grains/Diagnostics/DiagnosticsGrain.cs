using System.Reflection;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Runtime;
using Sonia.Grains.Breakers;
using Sonia.Grains.Interfaces.Breakers;
using Sonia.Grains.Interfaces.Diagnostics;
using Sonia.Grains.Interfaces.Health;

namespace Sonia.Grains.Diagnostics;

/// <inheritdoc cref="IDiagnosticsGrain"/>
[StatelessWorker]
public sealed class DiagnosticsGrain(
    DiagnosticsReader reader, BreakersOptions breakers, ILocalSiloDetails silo, TimeProvider time, ILogger<DiagnosticsGrain> logger)
    : Grain, IDiagnosticsGrain
{
    /// <summary>Each section gets this long; the gateway waits a little longer for the whole.</summary>
    public static readonly TimeSpan SectionTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How many of a breaker's transitions the snapshot shows, newest first.</summary>
    public const int TransitionsPerBreaker = 10;

    private static readonly string Version =
        typeof(DiagnosticsGrain).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public async Task<DiagnosticsSnapshot> SnapshotAsync(int lastN)
    {
        lastN = Math.Clamp(lastN, IDiagnosticsGrain.MinLastN, IDiagnosticsGrain.MaxLastN);
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        var health = Section("health", _ => GrainFactory.GetGrain<IHealthSupervisorGrain>(IHealthSupervisorGrain.ClusterKey).CheckAsync());
        var breakerSection = Section("breakers", _ => BreakersAsync());
        var dlq = Section("dlq", ct => reader.DeadLettersAsync(lastN, ct));
        var actions = Section("actions", ct => reader.ActionsAsync(lastN, IDiagnosticsGrain.MaxPending, ct));
        var cluster = Section("cluster", _ => ClusterAsync());
        return new DiagnosticsSnapshot(await health, await breakerSection, await dlq, await actions, await cluster, time.GetUtcNow(), errors);

        Task<T?> Section<T>(string name, Func<CancellationToken, Task<T>> gather) where T : class =>
            SnapshotSection.RunAsync(name, gather, SectionTimeout, errors, logger);
    }

    private async Task<BreakersSection> BreakersAsync()
    {
        // The detail call filters transitions by age: a day back is as far as a breaker keeps them.
        var details = await Task.WhenAll(breakers.Policies.Keys.Order(StringComparer.Ordinal)
            .Select(name => GrainFactory.GetGrain<ICircuitBreakerGrain>(name).GetDetailAsync(24 * 60)));
        return new BreakersSection(details.OfType<BreakerDetail>().Select(d => new BreakerDiagnostics(
            d.Breaker.Name, d.Breaker.State, d.Breaker.Since, d.Breaker.OpenUntil, d.Breaker.ConsecutiveOpenings, d.Breaker.Window,
            d.Transitions.OrderByDescending(t => t.At).Take(TransitionsPerBreaker).ToList())).ToList());
    }

    private async Task<ClusterSection> ClusterAsync()
    {
        var hosts = await GrainFactory.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: false);
        var silos = hosts
            .OrderBy(h => h.Status == SiloStatus.Dead).ThenByDescending(h => h.StartTime)
            .Select(h => new SiloDiagnostics(h.SiloAddress.ToParsableString(), h.SiloName, h.Status.ToString(),
                Utc(h.StartTime), h.IAmAliveTime == default ? null : Utc(h.IAmAliveTime)))
            .ToList();
        return new ClusterSection(silos, Version, silo.Name);
    }

    private static DateTimeOffset Utc(DateTime time) => new(DateTime.SpecifyKind(time, DateTimeKind.Utc));
}
