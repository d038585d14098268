using System.Diagnostics.Metrics;
using Sonia.Grains.Actions.Ledger;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Grains.Interfaces.Breakers;
using Sonia.Hosting.Telemetry;

namespace Sonia.Grains.Telemetry;

/// <summary>
/// Every instrument of the <c>Sonia</c> meter, in one place. The recording methods are what the code calls where an
/// event happens: one call each, no allocation (at most three tags, passed as arguments, not an array). The gauges
/// read what <see cref="MetricSources"/> registered, and never wait on a database or a grain.
/// </summary>
public static class SoniaMetrics
{
    private static readonly Meter Meter = new(SoniaTelemetry.SourceName, typeof(SoniaMetrics).Assembly.GetName().Version?.ToString());

    private static readonly Counter<long> Actions = Meter.CreateCounter<long>(
        "sonia.actions", "{action}", "Actions that reached a terminal state, by tool and outcome (the terminal status)");

    private static readonly Histogram<double> ActionDuration = Meter.CreateHistogram(
        "sonia.action.duration", "s", "Time from submission to the terminal state, by tool and outcome", tags: null,
        new InstrumentAdvice<double>
        {
            // Seconds, not the SDK's default (milliseconds-shaped) buckets; up to an hour for confirmations and breaker waits.
            HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
        });

    private static readonly Histogram<int> LedgerBatchSize = Meter.CreateHistogram(
        "sonia.ledger.batch.size", "{change}", "Action changes committed together in one ledger transaction", tags: null,
        new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512] });

    private static readonly Counter<long> BreakerTransitions = Meter.CreateCounter<long>(
        "sonia.breaker.transitions", "{transition}", "Circuit breaker state changes, by breaker and the state entered");

    private static readonly Counter<long> ReplayRecords = Meter.CreateCounter<long>(
        "sonia.replay.records", "{record}", "Dead letters a batch replay job has handled, by outcome (replayed, skipped, failed)");

    static SoniaMetrics()
    {
        Meter.CreateObservableGauge("sonia.ledger.queue.depth", MetricSources.LedgerQueueDepth, "{change}",
            "Action changes waiting for a ledger writer in this silo");
        Meter.CreateObservableGauge("sonia.dlq.depth", MetricSources.DeadLetterDepth, "{record}",
            "Unresolved dead letters, by failure class (cluster-wide, from counts cached at most Sonia:Telemetry:DeadLetterCountMaxAge)");
        Meter.CreateObservableGauge("sonia.breaker.state", MetricSources.BreakerStates, "{state}",
            "Each breaker's state as this silo sees it: 0 closed, 1 open, 2 half-open, 3 isolated");
    }

    /// <summary>Creates the gauges (in the static constructor) before any event has touched this class.</summary>
    internal static void EnsureCreated()
    {
    }

    /// <summary>Counts <paramref name="action"/> and its latency if this write ended it; any other write is ignored.</summary>
    public static void ActionWritten(ActionRecord? action)
    {
        if (action is null || !ActionStatuses.IsTerminal(action.Status))
        {
            return;
        }

        var tool = new KeyValuePair<string, object?>("tool", action.Tool);
        var outcome = new KeyValuePair<string, object?>("outcome", action.Status);
        Actions.Add(1, tool, outcome);
        ActionDuration.Record(Math.Max(0, (action.UpdatedAt - action.CreatedAt).TotalSeconds), tool, outcome);
    }

    public static void LedgerBatch(int changes) => LedgerBatchSize.Record(changes);

    public static void BreakerMoved(string breaker, BreakerState to) =>
        BreakerTransitions.Add(1,
            new KeyValuePair<string, object?>("breaker", breaker), new KeyValuePair<string, object?>("to", StateName(to)));

    public static void ReplayRecord(string outcome) => ReplayRecords.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>The states as the API spells them, without formatting an enum on every call.</summary>
    internal static string StateName(BreakerState state) => state switch
    {
        BreakerState.Closed => "closed",
        BreakerState.Open => "open",
        BreakerState.HalfOpen => "half_open",
        BreakerState.Isolated => "isolated",
        _ => "unknown",
    };
}
