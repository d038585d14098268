using Sonia.Grains.Interfaces.Breakers;
using Sonia.Grains.Interfaces.DeadLetters;
using Sonia.Grains.Interfaces.Diagnostics;
using Sonia.Grains.Interfaces.Health;
using Sonia.Hosting.Build;
using Sonia.Hosting.Configuration;
using Sonia.Hosting.Logging;

namespace Sonia.Gateway.Diagnostics;

/// <summary>
/// The parts of an incident bundle, collected one by one, each guarded: a part that fails or times out is named in
/// <see cref="Failures"/> with its error and the others still go in. Configuration comes first, so that the redactor
/// knows every process's secrets before any log line is written.
/// </summary>
public sealed partial class IncidentBundleCollectors(
    IncidentBundleZip zip, IClusterClient cluster, IncidentBundleOptions options, BundleWindow window, ILogger logger)
{
    /// <summary>The breakers keep this many minutes of per-minute series.</summary>
    public const int BreakerSeriesMinutes = 1440;

    private readonly List<(IncidentSiloDescription Silo, string Folder, IReadOnlyDictionary<string, string> Renumbering)> _silos = [];
    private readonly HashSet<string> _logFolders = new(StringComparer.Ordinal);

    public List<FailedCollector> Failures { get; } = [];

    public List<string> LimitsReached { get; } = [];

    /// <summary>Parts absent by design rather than by failure (a process that writes no log file, say).</summary>
    public List<string> Notes { get; } = [];

    public List<LogFileSummary> Logs { get; } = [];

    public async Task CollectAsync(IConfiguration gatewayConfiguration, LogFileLocation? gatewayLogs, CancellationToken cancellationToken)
    {
        await RunAsync("config/gateway", async t =>
        {
            await zip.WriteJsonAsync("config/gateway.json", RedactedConfiguration.Dump(gatewayConfiguration, zip.Secrets.Redactor), t);
            zip.Secrets.AdoptOwn();
        }, cancellationToken);
        await RunAsync("cluster", ClusterAsync, cancellationToken);
        await RunAsync("config/packages", PackagesAsync, cancellationToken);
        var health = cluster.GetGrain<IHealthSupervisorGrain>(IHealthSupervisorGrain.ClusterKey);
        await RunAsync("health", async t => await zip.WriteJsonAsync("health/health.json", await health.CheckAsync().WaitAsync(t), t),
            cancellationToken);
        await RunAsync("breakers", BreakersAsync, cancellationToken);
        await RunAsync("dlq/unresolved_counts", async t => await zip.WriteJsonAsync("dlq/unresolved_counts.json",
            await cluster.GetGrain<IDeadLetterQueryGrain>(0).CountsAsync().WaitAsync(t), t), cancellationToken);
        foreach (var table in BundleTables.All)
        {
            await RunAsync(table, t => TableAsync(table, t), cancellationToken);
        }

        await IncidentBundleLogs.GatewayAsync(this, zip, gatewayLogs, window, options, cancellationToken);
        foreach (var (silo, folder, renumbering) in _silos)
        {
            await IncidentBundleLogs.SiloAsync(this, zip, cluster.GetGrain<IIncidentSiloGrain>(silo.SiloAddress), silo, folder, renumbering,
                window, options, cancellationToken);
        }
    }

    /// <summary>Runs one collector under the per-collector timeout; a failure is recorded, never thrown (unless the caller left).</summary>
    public async Task RunAsync(string name, Func<CancellationToken, Task> collect, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.CollectorTimeout);
        try
        {
            await collect(timeout.Token);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            var error = ex is OperationCanceledException
                ? $"timed out after {options.CollectorTimeout}"
                : $"{ex.GetType().Name}: {ex.Message}";
            Failures.Add(new FailedCollector(name, zip.Secrets.Redactor.Scrub(error)));
            LogCollectorFailed(logger, name, ex);
        }
    }

    /// <summary>A folder name for a process's logs that no other process in this bundle has taken.</summary>
    public string LogFolder(string process, string qualifier)
    {
        var folder = _logFolders.Add(process) ? process : Safe($"{process}-{qualifier}");
        _logFolders.Add(folder);
        return folder;
    }

    public static string Safe(string name) =>
        string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));

    private async Task ClusterAsync(CancellationToken cancellationToken)
    {
        var hosts = await cluster.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(cancellationToken);
        await zip.WriteJsonAsync("cluster/hosts.json",
            hosts.Select(h => new { Silo = h.Key.ToParsableString(), Status = h.Value.ToString() }).OrderBy(h => h.Silo), cancellationToken);
        foreach (var address in hosts.Keys.Select(h => h.ToParsableString()).Order(StringComparer.Ordinal))
        {
            await RunAsync($"cluster/{address}", t => DescribeSiloAsync(address, t), cancellationToken);
        }

        await zip.WriteJsonAsync("cluster/silos.json", _silos.Select(s => s.Silo with
        {
            Configuration = new Dictionary<string, string?>(),
            SecretFingerprints = new Dictionary<string, string>(),
        }), cancellationToken);
    }

    private async Task DescribeSiloAsync(string address, CancellationToken cancellationToken)
    {
        var silo = await cluster.GetGrain<IIncidentSiloGrain>(address).DescribeAsync(zip.Secrets.Key).WaitAsync(cancellationToken);
        var renumbering = zip.Secrets.Renumbering(silo.SecretFingerprints);
        var folder = LogFolder(Safe(silo.LogProcessName ?? silo.SiloName ?? address), Safe(address));
        var configuration = new SortedDictionary<string, string?>(
            silo.Configuration.ToDictionary(c => c.Key, c => c.Value is null ? null : zip.Secrets.FromSilo(c.Value, renumbering)),
            StringComparer.Ordinal);
        await zip.WriteJsonAsync($"config/{folder}.json", configuration, cancellationToken);
        _silos.Add((silo, folder, renumbering));
    }

    private async Task PackagesAsync(CancellationToken cancellationToken)
    {
        foreach (var project in BuildManifest.LockFileProjects)
        {
            await using var lockFile = BuildManifest.OpenLockFile(project);
            await zip.CopyAsync($"config/packages/{project}.packages.lock.json", lockFile, cancellationToken);
        }

        await using var frozen = BuildManifest.OpenFrozenDependencies();
        if (frozen is null)
        {
            Notes.Add("config/dependencies.frozen.txt: this build was made without deploy/dependencies.frozen.txt");
            return;
        }

        await zip.CopyAsync("config/dependencies.frozen.txt", frozen, cancellationToken);
    }

    private async Task BreakersAsync(CancellationToken cancellationToken)
    {
        var breakers = await cluster.GetGrain<IBreakerCatalogGrain>(0).ListAsync().WaitAsync(cancellationToken);
        await zip.WriteJsonAsync("breakers/states.json", breakers, cancellationToken);

        // One more minute than the window: the series is by whole UTC minute, and the window's first one started earlier.
        var minutes = Math.Min(window.Minutes + 1, BreakerSeriesMinutes);
        if (window.Minutes + 1 > BreakerSeriesMinutes)
        {
            LimitsReached.Add($"breakers: per-minute series cover only the last {BreakerSeriesMinutes} minutes, which the breakers keep");
        }

        foreach (var breaker in breakers)
        {
            await RunAsync($"breakers/{breaker.Name}", async t =>
            {
                var detail = await cluster.GetGrain<ICircuitBreakerGrain>(breaker.Name).GetDetailAsync(minutes).WaitAsync(t);
                if (detail is not null)
                {
                    await zip.WriteJsonAsync($"breakers/{Safe(breaker.Name)}.json", detail with
                    {
                        Minutes = [.. detail.Minutes.Where(m => m.Minute.AddMinutes(1) > window.From && m.Minute < window.To)],
                        Transitions = [.. detail.Transitions.Where(x => x.At >= window.From && x.At < window.To)],
                        ManualActions = [.. detail.ManualActions.Where(x => x.At >= window.From && x.At < window.To)],
                    }, t);
                }
            }, cancellationToken);
        }
    }

    private async Task TableAsync(string table, CancellationToken cancellationToken)
    {
        var rows = await cluster.GetGrain<IIncidentBundleGrain>(0)
            .ReadTableAsync(table, window.From, window.To, options.MaxRowsPerTable)
            .WaitAsync(cancellationToken);
        await zip.WriteTextAsync($"{table}.jsonl", rows.JsonLines, cancellationToken);
        if (rows.LimitReached)
        {
            LimitsReached.Add($"{table}: more than {rows.Limit} rows; only the first {rows.Limit} in the file's order are kept");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Incident bundle collector {Collector} failed")]
    private static partial void LogCollectorFailed(ILogger logger, string collector, Exception exception);
}
