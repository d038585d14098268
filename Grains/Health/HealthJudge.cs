using System.Globalization;
using Sonia.Grains.Interfaces.Breakers;
using Sonia.Grains.Interfaces.Health;

namespace Sonia.Grains.Health;

/// <summary>
/// Turns what one check run saw into checks with a status and reasons a person can act on. Pure: the grain gathers,
/// this decides, so every threshold is tested on both sides without a cluster.
/// </summary>
public sealed class HealthJudge(HealthOptions options)
{
    private static readonly IReadOnlyDictionary<string, double> NoFigures = new Dictionary<string, double>();

    public HealthCheck Silos(IReadOnlyList<SiloHealth>? silos)
    {
        if (silos is null)
        {
            return Check("silos", HealthStatuses.Unhealthy, ["the membership table did not answer"], NoFigures);
        }

        var active = silos.Count(s => s.Status == nameof(SiloStatus.Active));
        var figures = new Dictionary<string, double> { ["active"] = active, ["listed"] = silos.Count };
        if (active == 0)
        {
            return Check("silos", HealthStatuses.Unhealthy, ["no active silo: nothing can serve grain calls"], figures);
        }

        var others = silos.Where(s => s.Status != nameof(SiloStatus.Active))
            .Select(s => $"silo {s.Name} ({s.Address}) is {s.Status}").ToList();
        return Check("silos", others.Count > 0 ? HealthStatuses.Degraded : HealthStatuses.Healthy, others, figures);
    }

    public HealthCheck Database(ComponentHealth database)
    {
        var figures = new Dictionary<string, double> { ["latency_ms"] = database.LatencyMs };
        if (!database.Healthy)
        {
            return Check("database", HealthStatuses.Unhealthy, [$"the database is {database.Error}"], figures);
        }

        var slowAfter = options.DatabaseSlowAfter.TotalMilliseconds;
        return database.LatencyMs > slowAfter
            ? Check("database", HealthStatuses.Degraded,
                [$"a round trip took {database.LatencyMs:0} ms, over the {slowAfter:0} ms threshold"], figures)
            : Check("database", HealthStatuses.Healthy, [], figures);
    }

    public HealthCheck Adapter(string executor, Uri baseUrl, AdapterProbeResult probe)
    {
        var figures = new Dictionary<string, double> { ["latency_ms"] = Math.Round(probe.Latency.TotalMilliseconds, 2) };
        return probe.Reachable
            ? Check($"executor.{executor}", HealthStatuses.Healthy, [], figures)
            : Check($"executor.{executor}", HealthStatuses.Degraded,
                [$"executor '{executor}' at {AdapterProbe.Endpoint(baseUrl)}: {probe.Error}; " +
                    "its actions fail and retry until its breaker opens"],
                figures);
    }

    public HealthCheck Breakers(IReadOnlyList<BreakerSnapshot>? breakers, DateTimeOffset now)
    {
        if (breakers is null)
        {
            return Check("breakers", HealthStatuses.Degraded, ["the breakers did not answer (details in the silo log)"], NoFigures);
        }

        var figures = new Dictionary<string, double>
        {
            ["closed"] = breakers.Count(b => b.State == BreakerState.Closed),
            ["open"] = breakers.Count(b => b.State == BreakerState.Open),
            ["half_open"] = breakers.Count(b => b.State == BreakerState.HalfOpen),
            ["isolated"] = breakers.Count(b => b.State == BreakerState.Isolated),
        };
        var reasons = breakers.Where(b => b.State != BreakerState.Closed).Select(b => BreakerReason(b, now)).ToList();
        return Check("breakers", reasons.Count > 0 ? HealthStatuses.Degraded : HealthStatuses.Healthy, reasons, figures);
    }

    public HealthCheck Ledger(LedgerFigures? ledger, DateTimeOffset now)
    {
        if (ledger is null)
        {
            return Check("action_ledger", HealthStatuses.Degraded, ["the ledger could not be read (details in the silo log)"], NoFigures);
        }

        var figures = new Dictionary<string, double>();
        foreach (var status in HealthSql.UnfinishedStatuses.Split(',').Select(s => s.Trim(' ', '\'')))
        {
            figures[$"pending_{status}"] = ledger.Unfinished.TryGetValue(status, out var s) ? s.Count : 0;
        }

        var queued = figures["pending_queued"];
        figures["queue_depth"] = queued;
        var reasons = new List<string>();
        if (queued > options.MaxQueueDepth)
        {
            reasons.Add($"{queued:0} actions are queued, over the {options.MaxQueueDepth} threshold: executors are not keeping up");
        }

        // Waiting for a person (awaiting_confirmation) is not work Sonia owes: its age is a figure, never a reason.
        var owed = ledger.Unfinished.Where(u => u.Key != "awaiting_confirmation").Select(u => (u.Key, u.Value.Oldest)).ToList();
        if (owed.Count > 0)
        {
            var (status, oldest) = owed.MinBy(o => o.Oldest);
            var age = now - oldest;
            figures["oldest_unfinished_age_seconds"] = Math.Round(Math.Max(0, age.TotalSeconds), 1);
            if (age > options.MaxUnfinishedAge)
            {
                reasons.Add($"the oldest unfinished action ({status}) was created at {Time(oldest)}, {age.TotalMinutes:0} min ago, " +
                    $"over the {options.MaxUnfinishedAge.TotalMinutes:0.#} min threshold: look at its executor and breaker");
            }
        }

        if (ledger.Unfinished.TryGetValue("awaiting_confirmation", out var waiting))
        {
            figures["oldest_awaiting_confirmation_age_seconds"] = Math.Round(Math.Max(0, (now - waiting.Oldest).TotalSeconds), 1);
        }

        return Check("action_ledger", reasons.Count > 0 ? HealthStatuses.Degraded : HealthStatuses.Healthy, reasons, figures);
    }

    public HealthCheck DeadLetters(LedgerFigures? ledger)
    {
        if (ledger is null)
        {
            return Check("dead_letters", HealthStatuses.Degraded,
                ["the dead-letter queue could not be read (details in the silo log)"], NoFigures);
        }

        var window = options.DeadLetterWindow;
        var figures = new Dictionary<string, double>
        {
            ["unresolved"] = ledger.UnresolvedByFailureClass.Values.Sum(),
            ["arrived_in_window"] = ledger.DeadLettersArrived,
            ["window_seconds"] = window.TotalSeconds,
        };
        if (ledger.DeadLettersArrived <= options.MaxDeadLettersPerWindow)
        {
            return Check("dead_letters", HealthStatuses.Healthy, [], figures);
        }

        var top = ledger.UnresolvedByFailureClass.OrderByDescending(c => c.Value).Select(c => $"{c.Key} {c.Value}").Take(3);
        return Check("dead_letters", HealthStatuses.Degraded,
            [$"{ledger.DeadLettersArrived} dead letters arrived in the last {window.TotalMinutes:0.#} min, over the " +
                $"{options.MaxDeadLettersPerWindow} threshold; unresolved by failure class: {string.Join(", ", top)} (GET /v1/dlq)"],
            figures);
    }

    /// <summary>What is wrong with a breaker that is not closed, since when, and when it may close.</summary>
    public static string BreakerReason(BreakerSnapshot b, DateTimeOffset now) => b.State switch
    {
        BreakerState.Open when b.OpenUntil is { } until && until > now =>
            $"breaker {b.Name} is open since {Time(b.Since)}; next probe at {Time(until)}",
        BreakerState.Open => $"breaker {b.Name} is open since {Time(b.Since)}; its break is over, the next call probes it",
        BreakerState.HalfOpen => $"breaker {b.Name} is half-open since {Time(b.Since)}; its probe calls close it or open it again",
        BreakerState.Isolated =>
            $"breaker {b.Name} is isolated since {Time(b.Since)}; it stays open until an operator resets it (POST /v1/breakers/{b.Name}/reset)",
        _ => $"breaker {b.Name} is {b.State}",
    };

    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static HealthCheck Check(string name, string status, IReadOnlyList<string> reasons, IReadOnlyDictionary<string, double> figures) =>
        new(name, status, reasons, figures);
}
