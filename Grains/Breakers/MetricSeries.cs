using Sonia.Grains.Interfaces.Breakers;

namespace Sonia.Grains.Breakers;

/// <summary>Keeps per-minute outcome counts and history for at least <see cref="Retention"/>.</summary>
public static class MetricSeries
{
    /// <summary>A day, plus an hour so "the last 24 h" is always whole.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromHours(25);

    public static void Add(CircuitBreakerState state, OutcomeCounts outcomes)
    {
        var minute = new DateTimeOffset(outcomes.At.UtcTicks - (outcomes.At.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero);
        var bucket = state.Minutes.LastOrDefault(m => m.Minute == minute);
        if (bucket is null)
        {
            bucket = new MinuteMetrics { Minute = minute };
            state.Minutes.Add(bucket);
            state.Minutes.Sort((a, b) => a.Minute.CompareTo(b.Minute));
        }

        bucket.Successes += outcomes.Successes;
        bucket.Failures += outcomes.Failures;
        bucket.SlowCalls += outcomes.SlowCalls;
        bucket.Rejections += outcomes.Rejections;
    }

    public static void Prune(CircuitBreakerState state, DateTimeOffset now)
    {
        var cutoff = now - Retention;
        state.Minutes.RemoveAll(m => m.Minute < cutoff);
        state.Transitions.RemoveAll(t => t.At < cutoff);
        state.ManualActions.RemoveAll(a => a.At < cutoff);
    }

    public static IReadOnlyList<MinuteMetrics> Last(CircuitBreakerState state, DateTimeOffset now, int minutes)
    {
        var from = now - TimeSpan.FromMinutes(minutes);
        return state.Minutes.Where(m => m.Minute > from - TimeSpan.FromMinutes(1))
            .Select(m => m with { })
            .ToList();
    }
}
