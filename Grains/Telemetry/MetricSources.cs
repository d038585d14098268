using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Sonia.Grains.Actions.Ledger;
using Sonia.Grains.Breakers;
using Sonia.Grains.DeadLetters;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Grains.Interfaces.Breakers;
using Sonia.Hosting.Telemetry;

namespace Sonia.Grains.Telemetry;

/// <summary>
/// What the gauges of <see cref="SoniaMetrics"/> read, registered by each silo while it is active (a test process hosts
/// several). A gauge callback runs on the scraper's thread, so it only reads memory: the ledger's counter, the breakers
/// this silo has cached, and dead-letter counts that a read older than <see cref="TelemetryOptions.DeadLetterCountMaxAge"/>
/// refreshes in the background; no scrape, no query.
/// </summary>
public sealed partial class MetricSources(
    ActionLedger ledger,
    CircuitBreakers breakers,
    BreakersOptions breakerOptions,
    DeadLetterReader deadLetters,
    TelemetryOptions options,
    TimeProvider time,
    ILogger<MetricSources> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    private static readonly ConcurrentDictionary<MetricSources, byte> Live = new();

    private IReadOnlyDictionary<string, int> _deadLetters = new Dictionary<string, int>();
    private long _deadLettersReadAt;
    private int _refreshing;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(MetricSources), ServiceLifecycleStage.Active, Start, Stop);

    private Task Start(CancellationToken cancellationToken)
    {
        SoniaMetrics.EnsureCreated();
        Live.TryAdd(this, 0);
        return Task.CompletedTask;
    }

    private Task Stop(CancellationToken cancellationToken)
    {
        Live.TryRemove(this, out _);
        return Task.CompletedTask;
    }

    internal static int LedgerQueueDepth() => Live.Keys.Sum(s => s.QueueDepth);

    /// <summary>Every breaker some silo here has used; where two silos share a process, the newer snapshot wins.</summary>
    internal static IEnumerable<Measurement<int>> BreakerStates() =>
        Live.Keys
            .SelectMany(s => s.CachedBreakers())
            .GroupBy(b => b.Name, StringComparer.Ordinal)
            .Select(g => g.MaxBy(b => b.Version)!)
            .Select(b => new Measurement<int>((int)b.State, new KeyValuePair<string, object?>("breaker", b.Name)));

    /// <summary>
    /// Every failure class, zero included: a class whose last dead letter was resolved must read 0, not keep its last
    /// count. The counts are cluster-wide, so one silo of this process answers for all.
    /// </summary>
    internal static IEnumerable<Measurement<long>> DeadLetterDepth()
    {
        if (Live.Keys.FirstOrDefault() is not { } source)
        {
            return [];
        }

        var counts = source.DeadLetterCounts();
        return FailureClasses.All.Union(counts.Keys).Select(c =>
            new Measurement<long>(counts.GetValueOrDefault(c), new KeyValuePair<string, object?>("failure_class", c)));
    }

    private int QueueDepth => ledger.Queued;

    private IEnumerable<BreakerSnapshot> CachedBreakers() => breakerOptions.Policies.Keys.Select(breakers.Cached).OfType<BreakerSnapshot>();

    private IReadOnlyDictionary<string, int> DeadLetterCounts()
    {
        var readAt = Interlocked.Read(ref _deadLettersReadAt);
        if ((readAt == 0 || time.GetElapsedTime(readAt) > options.DeadLetterCountMaxAge) && Interlocked.Exchange(ref _refreshing, 1) == 0)
        {
            _ = Task.Run(RefreshDeadLettersAsync);
        }

        return Volatile.Read(ref _deadLetters);
    }

    private async Task RefreshDeadLettersAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            Volatile.Write(ref _deadLetters, await deadLetters.CountsAsync(timeout.Token));
            Interlocked.Exchange(ref _deadLettersReadAt, time.GetTimestamp());
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The gauge keeps its last counts; the next scrape tries again.
            LogRefreshFailed(logger, ex);
        }
        finally
        {
            Volatile.Write(ref _refreshing, 0);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not refresh the dead-letter counts behind the sonia.dlq.depth gauge")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
