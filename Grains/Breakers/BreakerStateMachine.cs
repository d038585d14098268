using Sonia.Grains.Interfaces.Breakers;

namespace Sonia.Grains.Breakers;

/// <summary>
/// The closed → open → half-open → closed state machine of one breaker, plus operator isolation.
/// Pure: no I/O, time from <see cref="TimeProvider"/>. Every method returns the transition it made, if any.
/// </summary>
public sealed class BreakerStateMachine(string name, BreakerPolicy policy, BreakerMachineState state, TimeProvider time)
{
    public BreakerMachineState State => state;

    public BreakerSnapshot Snapshot()
    {
        var now = time.GetUtcNow();
        var window = WindowTotals(now);
        return new BreakerSnapshot(name, state.State, state.Since, state.OpenUntil, state.ConsecutiveOpenings, window, state.Version);
    }

    /// <summary>Counts a batch of ordinary (non-probe) outcomes.</summary>
    public BreakerTransition? Record(OutcomeCounts outcomes)
    {
        // Closed: the only state whose window counts. Calls that were already running when the breaker
        // opened report later; they belong in the metric series, not in a window that no longer exists.
        if (state.State != BreakerState.Closed)
        {
            return null;
        }

        var now = time.GetUtcNow();
        var second = Truncate(outcomes.At > now ? now : outcomes.At);
        if (second <= now - policy.SamplingDuration)
        {
            return null;
        }

        var bucket = state.Window.FirstOrDefault(b => b.Second == second);
        if (bucket is null)
        {
            bucket = new WindowBucket { Second = second };
            state.Window.Add(bucket);
            state.Window.Sort((a, b) => a.Second.CompareTo(b.Second));
        }

        bucket.Successes += outcomes.Successes;
        bucket.Failures += outcomes.Failures;
        bucket.SlowCalls += outcomes.SlowCalls;

        var window = WindowTotals(now);
        var failures = FailuresOf(window);
        if (window.Calls >= policy.MinimumThroughput && (double)failures / window.Calls >= policy.FailureRatio)
        {
            return Open(now, $"failure ratio {(double)failures / window.Calls:0.###} over {window.Calls} calls reached {policy.FailureRatio}");
        }

        return null;
    }

    /// <summary>A permit for one probe call: granted in half-open, and in open once the break has elapsed.</summary>
    public (bool Granted, BreakerTransition? Transition) TryAcquireProbe()
    {
        var now = time.GetUtcNow();
        BreakerTransition? transition = null;
        switch (state.State)
        {
            // Open: after the break, the first caller moves the breaker to half-open and probes.
            case BreakerState.Open when state.OpenUntil is { } until && now >= until:
                transition = Move(BreakerState.HalfOpen, now, "break elapsed");
                state.OpenUntil = null;
                break;

            // Half-open: permits that never reported back (a crashed caller) are given out again.
            case BreakerState.HalfOpen when state.ProbesIssuedAt is { } issuedAt && now - issuedAt >= policy.ProbeTimeout:
                state.ProbesIssued = state.ProbeSuccesses + state.ProbeFailures;
                break;

            case BreakerState.HalfOpen:
                break;

            // Closed needs no permit; open before the break and isolated grant none.
            default:
                return (state.State == BreakerState.Closed, null);
        }

        if (state.ProbesIssued >= policy.HalfOpenProbes)
        {
            return (false, transition);
        }

        state.ProbesIssued++;
        state.ProbesIssuedAt = now;
        return (true, transition);
    }

    /// <summary>The outcome of a probe; once all probes reported, their failure ratio closes or reopens.</summary>
    public BreakerTransition? RecordProbe(bool success)
    {
        if (state.State != BreakerState.HalfOpen)
        {
            return null;
        }

        if (success)
        {
            state.ProbeSuccesses++;
        }
        else
        {
            state.ProbeFailures++;
        }

        var reported = state.ProbeSuccesses + state.ProbeFailures;
        var failureRatio = (double)state.ProbeFailures / policy.HalfOpenProbes;

        // Reopen as soon as the failures alone reach the ratio: the remaining probes cannot change the verdict.
        if (failureRatio >= policy.FailureRatio)
        {
            return Open(time.GetUtcNow(), $"{state.ProbeFailures} of {policy.HalfOpenProbes} probes failed");
        }

        if (reported >= policy.HalfOpenProbes)
        {
            var now = time.GetUtcNow();
            state.ConsecutiveOpenings = 0;
            state.Window.Clear();
            return Move(BreakerState.Closed, now, $"{state.ProbeSuccesses} of {policy.HalfOpenProbes} probes succeeded");
        }

        return null;
    }

    public BreakerTransition? Isolate(string reason)
    {
        var now = time.GetUtcNow();
        state.OpenUntil = null;
        return Move(BreakerState.Isolated, now, reason);
    }

    public BreakerTransition? Reset(string reason)
    {
        var now = time.GetUtcNow();
        state.OpenUntil = null;
        state.ConsecutiveOpenings = 0;
        state.Window.Clear();
        return Move(BreakerState.Closed, now, reason);
    }

    private BreakerTransition? Open(DateTimeOffset now, string reason)
    {
        state.ConsecutiveOpenings++;
        state.OpenUntil = now + policy.BreakFor(state.ConsecutiveOpenings);
        state.Window.Clear();
        return Move(BreakerState.Open, now, reason);
    }

    private BreakerTransition? Move(BreakerState to, DateTimeOffset now, string reason)
    {
        var from = state.State;
        state.State = to;
        state.Since = now;
        state.ProbesIssued = 0;
        state.ProbeSuccesses = 0;
        state.ProbeFailures = 0;
        state.ProbesIssuedAt = null;
        state.Version++;
        return new BreakerTransition(now, from, to, reason);
    }

    private WindowStats WindowTotals(DateTimeOffset now)
    {
        var cutoff = now - policy.SamplingDuration;
        state.Window.RemoveAll(b => b.Second <= cutoff);
        long successes = 0, failures = 0, slow = 0;
        foreach (var bucket in state.Window)
        {
            successes += bucket.Successes;
            failures += bucket.Failures;
            slow += bucket.SlowCalls;
        }

        var calls = successes + failures + slow;
        var stats = new WindowStats(calls, failures, slow, 0);
        return stats with { FailureRatio = calls == 0 ? 0 : Math.Round((double)FailuresOf(stats) / calls, 4) };
    }

    private long FailuresOf(WindowStats window) =>
        window.Failures + (policy.SlowCallsAreFailures ? window.SlowCalls : 0);

    private static DateTimeOffset Truncate(DateTimeOffset at) =>
        new(at.UtcTicks - (at.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
}
