using System.Data.Common;
using Microsoft.Extensions.Logging;
using Sonia.Grains.Actions.Tools;
using Sonia.Grains.Interfaces.Breakers;
using Sonia.Grains.Interfaces.Health;
using Sonia.Hosting.Database;

namespace Sonia.Grains.Health;

/// <summary>
/// Checks silos, database, executors, breakers, ledger and dead letters on a timer and serves the latest result to
/// every caller at once: a health check is never queued behind another, and a slow database slows one background
/// check, not every <c>/readyz</c>.
/// </summary>
public sealed partial class HealthSupervisorGrain(
    IGrainFactory grains, DatabaseProbe database, LedgerHealthReader ledgerReader, ActionsOptions actions, HealthOptions options,
    TimeProvider time, ILogger<HealthSupervisorGrain> logger)
    : Grain, IHealthSupervisorGrain
{
    private readonly HealthJudge _judge = new(options);
    private HealthReport? _latest;
    private Task<HealthReport>? _running;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(_ => RefreshAsync(), new GrainTimerCreationOptions
        {
            DueTime = options.CheckInterval,
            Period = options.CheckInterval,
            Interleave = true,
            KeepAlive = true,
        });
        return Task.CompletedTask;
    }

    public async Task<HealthReport> CheckAsync()
    {
        var report = _latest ?? await RefreshAsync();
        var age = time.GetUtcNow() - report.CheckedAt;
        var served = report with { AgeSeconds = Math.Round(Math.Max(0, age.TotalSeconds), 3) };
        return age <= options.StaleAfter
            ? served
            : served with
            {
                Healthy = false,
                Status = HealthStatuses.Unhealthy,
                ClusterError = $"health checks stalled: the last result is {age.TotalSeconds:F0} s old",
            };
    }

    /// <summary>Runs one check, or joins the one already running: callers that arrive together share it.</summary>
    private Task<HealthReport> RefreshAsync()
    {
        if (_running is { IsCompleted: false } running)
        {
            return running;
        }

        return _running = RunCheckAsync();
    }

    private async Task<HealthReport> RunCheckAsync()
    {
        var now = time.GetUtcNow();
        var silosTask = SilosAsync();
        var databaseTask = DatabaseAsync();
        var adaptersTask = Task.WhenAll(actions.Executors.OrderBy(e => e.Key, StringComparer.Ordinal).Select(AdapterAsync));
        var breakersTask = BreakersAsync();
        var ledgerTask = LedgerAsync(now);
        var silos = await silosTask;
        var db = await databaseTask;
        var ledger = await ledgerTask;
        List<HealthCheck> checks =
        [
            _judge.Silos(silos), _judge.Database(db), .. await adaptersTask, _judge.Breakers(await breakersTask, now),
            _judge.Ledger(ledger, now), _judge.DeadLetters(ledger),
        ];
        var status = HealthStatuses.Worst(checks.Select(c => c.Status));
        var report = new HealthReport(status != HealthStatuses.Unhealthy, time.GetUtcNow(), silos ?? [], db)
        {
            ClusterError = silos is null ? "the membership table did not answer" : null,
            Status = status,
            Checks = checks,
        };
        _latest = report;
        return report;
    }

    private async Task<ComponentHealth> DatabaseAsync()
    {
        using var timeout = new CancellationTokenSource(options.ProbeTimeout);
        var probe = await database.ProbeAsync(timeout.Token);
        if (!probe.Reachable)
        {
            // The driver's message names hosts, users and databases: it goes to the log, the caller gets a reason.
            LogDatabaseUnhealthy(logger, probe.Error);
        }

        return new ComponentHealth("database", probe.Reachable, Math.Round(probe.Latency.TotalMilliseconds, 2),
            probe.Reachable ? null : DatabaseReason(probe, timeout.IsCancellationRequested));
    }

    private async Task<HealthCheck> AdapterAsync(KeyValuePair<string, HttpExecutorOptions> executor)
    {
        var baseUrl = new Uri(executor.Value.BaseUrl);
        var probe = await AdapterProbe.ProbeAsync(baseUrl, options.AdapterProbeTimeout, CancellationToken.None);
        return _judge.Adapter(executor.Key, baseUrl, probe);
    }

    private async Task<IReadOnlyList<BreakerSnapshot>?> BreakersAsync()
    {
        try
        {
            return await grains.GetGrain<IBreakerCatalogGrain>(0).ListAsync().WaitAsync(options.ProbeTimeout);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogCheckFailed(logger, "breakers", ex);
            return null;
        }
    }

    private async Task<LedgerFigures?> LedgerAsync(DateTimeOffset now)
    {
        try
        {
            using var timeout = new CancellationTokenSource(options.ProbeTimeout);
            return await ledgerReader.ReadAsync(now - options.DeadLetterWindow, timeout.Token);
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException or OperationCanceledException or TimeoutException)
        {
            LogCheckFailed(logger, "action ledger", ex);
            return null;
        }
    }

    private async Task<List<SiloHealth>?> SilosAsync()
    {
        try
        {
            var hosts = await grains.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: false).WaitAsync(options.ProbeTimeout);
            return hosts
                .Where(h => h.Status != SiloStatus.Dead)
                .Select(h => new SiloHealth(h.SiloAddress.ToParsableString(), h.SiloName, h.Status.ToString()))
                .OrderBy(s => s.Address, StringComparer.Ordinal)
                .ToList();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogMembershipFailed(logger, ex);
            return null;
        }
    }

    private string DatabaseReason(DatabaseProbeResult probe, bool timedOut) =>
        timedOut || probe.Error?.StartsWith(nameof(TimeoutException), StringComparison.Ordinal) == true
            ? $"no answer within {options.ProbeTimeout.TotalSeconds:0.#} s"
            : "unreachable (details in the silo log)";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Health check: the database is unhealthy: {Detail}")]
    private static partial void LogDatabaseUnhealthy(ILogger logger, string? detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Health check: the {Check} check failed")]
    private static partial void LogCheckFailed(ILogger logger, string check, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Health check: the membership table did not answer")]
    private static partial void LogMembershipFailed(ILogger logger, Exception exception);
}
