using Microsoft.Extensions.Time.Testing;
using Sonia.Grains.Breakers;
using Sonia.Grains.Interfaces.Breakers;

namespace Sonia.Tests.Breakers;

public sealed class BreakerStateMachineTests
{
    private static readonly DateTimeOffset Start = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Start);

    [Fact]
    public void Closed_StaysClosedBelowMinimumThroughputEvenWhenEveryCallFailed()
    {
        var machine = Create();

        var transition = Record(machine, failures: 9);

        Assert.Null(transition);
        var snapshot = machine.Snapshot();
        Assert.Equal(BreakerState.Closed, snapshot.State);
        Assert.Equal(9, snapshot.Window.Calls);
        Assert.Equal(1.0, snapshot.Window.FailureRatio);
    }

    [Fact]
    public void Closed_OpensWhenFailureRatioReachedAtMinimumThroughput()
    {
        var machine = Create();
        Assert.Null(Record(machine, failures: 9));

        var transition = Record(machine, failures: 1);

        Assert.NotNull(transition);
        Assert.Equal(BreakerState.Open, machine.State.State);
    }

    [Fact]
    public void Closed_StaysClosedJustBelowFailureRatio()
    {
        var machine = Create();

        var transition = Record(machine, successes: 6, failures: 4);

        Assert.Null(transition);
        var snapshot = machine.Snapshot();
        Assert.Equal(BreakerState.Closed, snapshot.State);
        Assert.Equal(10, snapshot.Window.Calls);
        Assert.Equal(0.4, snapshot.Window.FailureRatio);
    }

    [Fact]
    public void Closed_OpensExactlyAtFailureRatio()
    {
        var machine = Create();

        var transition = Record(machine, successes: 5, failures: 5);

        Assert.NotNull(transition);
        Assert.Equal(BreakerState.Open, machine.State.State);
    }

    [Fact]
    public void Closed_RejectionsDoNotCountAsCalls()
    {
        var machine = Create();

        var transition = Record(machine, rejections: 100);

        Assert.Null(transition);
        Assert.Equal(0, machine.Snapshot().Window.Calls);
    }

    [Fact]
    public void Record_ReturnsTheTransitionFromClosedToOpenWithAReason()
    {
        var machine = Create();
        _time.Advance(TimeSpan.FromSeconds(3));

        var transition = Record(machine, failures: 10);

        Assert.NotNull(transition);
        Assert.Equal(BreakerState.Closed, transition.From);
        Assert.Equal(BreakerState.Open, transition.To);
        Assert.Equal(_time.GetUtcNow(), transition.At);
        Assert.False(string.IsNullOrWhiteSpace(transition.Reason));
    }

    [Fact]
    public void SlidingWindow_FailuresOlderThanSamplingDurationNoLongerCount()
    {
        var policy = Policy();
        var machine = Create(policy);
        Assert.Null(Record(machine, failures: 9));
        _time.Advance(policy.SamplingDuration);

        var transition = Record(machine, successes: 1);

        Assert.Null(transition);
        var snapshot = machine.Snapshot();
        Assert.Equal(BreakerState.Closed, snapshot.State);
        Assert.Equal(1, snapshot.Window.Calls);
        Assert.Equal(0, snapshot.Window.Failures);
    }

    [Fact]
    public void SlidingWindow_FailuresWithinTheWindowStillCount()
    {
        var policy = Policy();
        var machine = Create(policy);
        Assert.Null(Record(machine, failures: 9));
        _time.Advance(policy.SamplingDuration - TimeSpan.FromTicks(1));

        var transition = Record(machine, failures: 1);

        Assert.NotNull(transition);
        Assert.Equal(BreakerState.Open, machine.State.State);
    }

    [Fact]
    public void Record_IgnoresABatchTimestampedBeforeTheWindowStart()
    {
        var policy = Policy();
        var machine = Create(policy);
        _time.Advance(TimeSpan.FromMinutes(5));

        var transition = machine.Record(new OutcomeCounts(_time.GetUtcNow() - policy.SamplingDuration, 0, 10, 0, 0));

        Assert.Null(transition);
        var snapshot = machine.Snapshot();
        Assert.Equal(BreakerState.Closed, snapshot.State);
        Assert.Equal(0, snapshot.Window.Calls);
    }

    [Fact]
    public void Record_CountsABatchTimestampedJustInsideTheWindow()
    {
        var policy = Policy();
        var machine = Create(policy);
        _time.Advance(TimeSpan.FromMinutes(5));

        var at = _time.GetUtcNow() - policy.SamplingDuration + TimeSpan.FromSeconds(1);
        var transition = machine.Record(new OutcomeCounts(at, 0, 10, 0, 0));

        Assert.NotNull(transition);
        Assert.Equal(BreakerState.Open, machine.State.State);
    }

    [Fact]
    public void SlowCalls_CountAsFailuresWhenSlowCallsAreFailures()
    {
        var policy = Policy();
        policy.SlowCallsAreFailures = true;
        var machine = Create(policy);

        var transition = Record(machine, slow: 10);

        Assert.NotNull(transition);
        Assert.Equal(BreakerState.Open, machine.State.State);
    }

    [Fact]
    public void SlowCalls_DoNotCountAsFailuresWhenSlowCallsAreNotFailures()
    {
        var policy = Policy();
        policy.SlowCallsAreFailures = false;
        var machine = Create(policy);

        var transition = Record(machine, slow: 10);

        Assert.Null(transition);
        var snapshot = machine.Snapshot();
        Assert.Equal(BreakerState.Closed, snapshot.State);
        Assert.Equal(10, snapshot.Window.Calls);
        Assert.Equal(10, snapshot.Window.SlowCalls);
        Assert.Equal(0, snapshot.Window.Failures);
        Assert.Equal(0.0, snapshot.Window.FailureRatio);
    }

    [Fact]
    public void Snapshot_WindowReportsSlowCalls()
    {
        var policy = Policy();
        policy.SlowCallsAreFailures = true;
        var machine = Create(policy);

        Record(machine, successes: 1, failures: 1, slow: 2);

        var window = machine.Snapshot().Window;
        Assert.Equal(4, window.Calls);
        Assert.Equal(1, window.Failures);
        Assert.Equal(2, window.SlowCalls);
        Assert.Equal(0.75, window.FailureRatio);
    }

    [Fact]
    public void Open_OpenUntilIsTheOpeningTimePlusBreakDuration()
    {
        var policy = Policy();
        var machine = Create(policy);
        _time.Advance(TimeSpan.FromSeconds(7));
        var openedAt = _time.GetUtcNow();

        Record(machine, failures: 10);

        Assert.Equal(BreakerState.Open, machine.State.State);
        Assert.Equal(openedAt + policy.BreakDuration, machine.State.OpenUntil);
        Assert.Equal(1, machine.State.ConsecutiveOpenings);
    }

    [Fact]
    public void Open_RefusesAProbeOneTickBeforeTheBreakElapsed()
    {
        var machine = CreateOpen();
        _time.SetUtcNow(machine.State.OpenUntil!.Value - TimeSpan.FromTicks(1));

        var (granted, transition) = machine.TryAcquireProbe();

        Assert.False(granted);
        Assert.Null(transition);
        Assert.Equal(BreakerState.Open, machine.State.State);
    }

    [Fact]
    public void Open_GrantsAProbeAtOpenUntilAndMovesToHalfOpen()
    {
        var machine = CreateOpen();
        var openUntil = machine.State.OpenUntil!.Value;
        _time.SetUtcNow(openUntil);

        var (granted, transition) = machine.TryAcquireProbe();

        Assert.True(granted);
        Assert.NotNull(transition);
        Assert.Equal(BreakerState.Open, transition.From);
        Assert.Equal(BreakerState.HalfOpen, transition.To);
        Assert.Equal(openUntil, transition.At);
        Assert.Equal(BreakerState.HalfOpen, machine.State.State);
        Assert.Null(machine.State.OpenUntil);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(5)]
    public void HalfOpen_GrantsExactlyHalfOpenProbesPermits(int probes)
    {
        var policy = Policy();
        policy.HalfOpenProbes = probes;
        var machine = CreateOpen(policy);
        _time.SetUtcNow(machine.State.OpenUntil!.Value);

        var grants = Enumerable.Range(0, probes).Select(_ => machine.TryAcquireProbe().Granted).ToList();
        var (next, transition) = machine.TryAcquireProbe();

        Assert.All(grants, Assert.True);
        Assert.False(next);
        Assert.Null(transition);
        Assert.Equal(BreakerState.HalfOpen, machine.State.State);
    }

    [Fact]
    public void HalfOpen_ClosesWhenAllProbesSucceed()
    {
        var policy = Policy();
        var machine = CreateHalfOpen(policy);
        AcquireRemainingProbes(machine, policy);

        Assert.Null(machine.RecordProbe(true));
        Assert.Null(machine.RecordProbe(true));
        var transition = machine.RecordProbe(true);

        Assert.NotNull(transition);
        Assert.Equal(BreakerState.HalfOpen, transition.From);
        Assert.Equal(BreakerState.Closed, transition.To);
        var snapshot = machine.Snapshot();
        Assert.Equal(BreakerState.Closed, snapshot.State);
        Assert.Equal(0, snapshot.ConsecutiveOpenings);
        Assert.Null(snapshot.OpenUntil);
        Assert.Equal(0, snapshot.Window.Calls);
        Assert.Empty(machine.State.Window);
    }

    [Fact]
    public void HalfOpen_ClosesWhenProbeFailuresStayBelowFailureRatio()
    {
        var policy = Policy();
        var machine = CreateHalfOpen(policy);
        AcquireRemainingProbes(machine, policy);

        Assert.Null(machine.RecordProbe(false));
        Assert.Null(machine.RecordProbe(true));
        var transition = machine.RecordProbe(true);

        Assert.NotNull(transition);
        Assert.Equal(BreakerState.Closed, transition.To);
        Assert.Equal(0, machine.State.ConsecutiveOpenings);
    }

    [Fact]
    public void HalfOpen_ReopensWithALongerBreakWhenProbeFailuresReachFailureRatio()
    {
        var policy = Policy();
        var machine = CreateHalfOpen(policy);
        AcquireRemainingProbes(machine, policy);
        _time.Advance(TimeSpan.FromSeconds(1));

        var first = machine.RecordProbe(false);
        var second = machine.RecordProbe(false);

        Assert.Null(first);
        Assert.NotNull(second);
        Assert.Equal(BreakerState.HalfOpen, second.From);
        Assert.Equal(BreakerState.Open, second.To);
        Assert.Equal(BreakerState.Open, machine.State.State);
        Assert.Equal(2, machine.State.ConsecutiveOpenings);
        Assert.Equal(TimeSpan.FromSeconds(10), policy.BreakFor(2));
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromSeconds(10), machine.State.OpenUntil);
    }

    [Fact]
    public void HalfOpen_ThirdConsecutiveOpeningIsLongerButCappedAtMaxBreakDuration()
    {
        var policy = Policy();
        policy.MaxBreakDuration = TimeSpan.FromSeconds(15);
        var machine = CreateHalfOpen(policy);
        machine.RecordProbe(false);
        machine.RecordProbe(false);
        Assert.Equal(2, machine.State.ConsecutiveOpenings);
        var secondOpenedAt = _time.GetUtcNow();
        Assert.Equal(secondOpenedAt + TimeSpan.FromSeconds(10), machine.State.OpenUntil);

        _time.SetUtcNow(machine.State.OpenUntil!.Value);
        Assert.True(machine.TryAcquireProbe().Granted);
        machine.RecordProbe(false);
        var transition = machine.RecordProbe(false);

        Assert.NotNull(transition);
        Assert.Equal(BreakerState.Open, transition.To);
        Assert.Equal(3, machine.State.ConsecutiveOpenings);
        Assert.Equal(TimeSpan.FromSeconds(15), policy.BreakFor(3));
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromSeconds(15), machine.State.OpenUntil);
    }

    [Fact]
    public void HalfOpen_ReissuesAPermitThatNeverReportedAfterProbeTimeout()
    {
        var policy = Policy();
        var machine = CreateHalfOpen(policy);
        AcquireRemainingProbes(machine, policy);
        Assert.False(machine.TryAcquireProbe().Granted);

        _time.Advance(policy.ProbeTimeout - TimeSpan.FromTicks(1));
        var early = machine.TryAcquireProbe();
        _time.Advance(TimeSpan.FromTicks(1));
        var onTime = machine.TryAcquireProbe();

        Assert.False(early.Granted);
        Assert.True(onTime.Granted);
        Assert.Null(onTime.Transition);
        Assert.Equal(BreakerState.HalfOpen, machine.State.State);
    }

    [Fact]
    public void Record_WhileOpenDoesNotChangeTheState()
    {
        var machine = CreateOpen();
        var version = machine.State.Version;

        var failures = Record(machine, failures: 100);
        var successes = Record(machine, successes: 100);

        Assert.Null(failures);
        Assert.Null(successes);
        var snapshot = machine.Snapshot();
        Assert.Equal(BreakerState.Open, snapshot.State);
        Assert.Equal(version, snapshot.Version);
        Assert.Equal(0, snapshot.Window.Calls);
    }

    [Fact]
    public void Record_WhileHalfOpenDoesNotChangeTheState()
    {
        var machine = CreateHalfOpen();
        var version = machine.State.Version;

        var failures = Record(machine, failures: 100);
        var successes = Record(machine, successes: 100);

        Assert.Null(failures);
        Assert.Null(successes);
        var snapshot = machine.Snapshot();
        Assert.Equal(BreakerState.HalfOpen, snapshot.State);
        Assert.Equal(version, snapshot.Version);
        Assert.Equal(0, snapshot.Window.Calls);
    }

    [Fact]
    public void Isolate_FromClosedIsolates()
    {
        var machine = Create();

        var transition = machine.Isolate("maintenance");

        Assert.NotNull(transition);
        Assert.Equal(BreakerState.Closed, transition.From);
        Assert.Equal(BreakerState.Isolated, transition.To);
        Assert.Equal("maintenance", transition.Reason);
        Assert.Equal(BreakerState.Isolated, machine.State.State);
    }

    [Fact]
    public void Isolate_FromOpenIsolates()
    {
        var machine = CreateOpen();

        var transition = machine.Isolate("maintenance");

        Assert.NotNull(transition);
        Assert.Equal(BreakerState.Open, transition.From);
        Assert.Equal(BreakerState.Isolated, transition.To);
        Assert.Equal(BreakerState.Isolated, machine.State.State);
        Assert.Null(machine.State.OpenUntil);
    }

    [Fact]
    public void Isolated_RefusesProbesLongAfterAnyBreak()
    {
        var machine = CreateOpen();
        machine.Isolate("maintenance");
        _time.Advance(TimeSpan.FromDays(1));

        var (granted, transition) = machine.TryAcquireProbe();

        Assert.False(granted);
        Assert.Null(transition);
        Assert.Equal(BreakerState.Isolated, machine.State.State);
    }

    [Fact]
    public void Reset_FromIsolatedClosesAndClearsTheWindow()
    {
        var machine = Create();
        Record(machine, failures: 4);
        machine.Isolate("maintenance");

        var transition = machine.Reset("done");

        Assert.NotNull(transition);
        Assert.Equal(BreakerState.Isolated, transition.From);
        Assert.Equal(BreakerState.Closed, transition.To);
        var snapshot = machine.Snapshot();
        Assert.Equal(BreakerState.Closed, snapshot.State);
        Assert.Equal(0, snapshot.Window.Calls);
        Assert.Equal(0, snapshot.ConsecutiveOpenings);
    }

    [Fact]
    public void Reset_FromIsolatedAfterAnOpeningResetsConsecutiveOpenings()
    {
        var machine = CreateOpen();
        machine.Isolate("maintenance");
        Assert.Equal(1, machine.State.ConsecutiveOpenings);

        machine.Reset("done");

        Assert.Equal(BreakerState.Closed, machine.State.State);
        Assert.Equal(0, machine.State.ConsecutiveOpenings);
        Assert.Null(machine.State.OpenUntil);
    }

    [Fact]
    public void Reset_FromOpenClosesImmediately()
    {
        var policy = Policy();
        var machine = CreateOpen(policy);

        var transition = machine.Reset("done");

        Assert.NotNull(transition);
        Assert.Equal(BreakerState.Open, transition.From);
        Assert.Equal(BreakerState.Closed, transition.To);
        var snapshot = machine.Snapshot();
        Assert.Equal(BreakerState.Closed, snapshot.State);
        Assert.Null(snapshot.OpenUntil);
        Assert.Equal(0, snapshot.ConsecutiveOpenings);
        Assert.Equal(_time.GetUtcNow(), snapshot.Since);

        Record(machine, failures: 10);
        Assert.Equal(_time.GetUtcNow() + policy.BreakDuration, machine.State.OpenUntil);
    }

    [Fact]
    public void Version_IncreasesByOneOnEveryTransitionAndNotOnPlainRecords()
    {
        var policy = Policy();
        var machine = Create(policy);

        Record(machine, successes: 3);
        Assert.Equal(0, machine.State.Version);

        Record(machine, failures: 10);
        Assert.Equal(1, machine.State.Version);

        Record(machine, failures: 10);
        machine.TryAcquireProbe();
        Assert.Equal(1, machine.State.Version);

        _time.SetUtcNow(machine.State.OpenUntil!.Value);
        machine.TryAcquireProbe();
        Assert.Equal(2, machine.State.Version);

        AcquireRemainingProbes(machine, policy);
        machine.RecordProbe(true);
        machine.RecordProbe(true);
        Assert.Equal(2, machine.State.Version);

        machine.RecordProbe(true);
        Assert.Equal(3, machine.State.Version);

        machine.Isolate("maintenance");
        Assert.Equal(4, machine.State.Version);

        machine.Reset("done");
        Assert.Equal(5, machine.State.Version);
        Assert.Equal(5, machine.Snapshot().Version);
    }

    [Fact]
    public void Snapshot_ReflectsStateSinceAndOpenUntil()
    {
        var policy = Policy();
        var machine = Create(policy);

        var initial = machine.Snapshot();
        _time.Advance(TimeSpan.FromSeconds(2));
        var openedAt = _time.GetUtcNow();
        Record(machine, failures: 10);
        var open = machine.Snapshot();
        _time.SetUtcNow(open.OpenUntil!.Value);
        machine.TryAcquireProbe();
        var halfOpen = machine.Snapshot();

        Assert.Equal("dep", initial.Name);
        Assert.Equal(BreakerState.Closed, initial.State);
        Assert.Equal(Start, initial.Since);
        Assert.Null(initial.OpenUntil);
        Assert.Equal(0, initial.Version);

        Assert.Equal(BreakerState.Open, open.State);
        Assert.Equal(openedAt, open.Since);
        Assert.Equal(openedAt + policy.BreakDuration, open.OpenUntil);
        Assert.Equal(1, open.ConsecutiveOpenings);
        Assert.Equal(1, open.Version);

        Assert.Equal(BreakerState.HalfOpen, halfOpen.State);
        Assert.Equal(openedAt + policy.BreakDuration, halfOpen.Since);
        Assert.Null(halfOpen.OpenUntil);
        Assert.Equal(2, halfOpen.Version);
    }

    private static BreakerPolicy Policy() => new()
    {
        FailureRatio = 0.5,
        MinimumThroughput = 10,
        SamplingDuration = TimeSpan.FromSeconds(30),
        SlowCallsAreFailures = true,
        BreakDuration = TimeSpan.FromSeconds(5),
        BreakDurationGrowthFactor = 2.0,
        MaxBreakDuration = TimeSpan.FromMinutes(2),
        HalfOpenProbes = 3,
        ProbeTimeout = TimeSpan.FromSeconds(30),
    };

    private BreakerStateMachine Create(BreakerPolicy? policy = null) =>
        new("dep", policy ?? Policy(), new BreakerMachineState { Since = _time.GetUtcNow() }, _time);

    private BreakerStateMachine CreateOpen(BreakerPolicy? policy = null)
    {
        policy ??= Policy();
        var machine = Create(policy);
        Assert.NotNull(Record(machine, failures: policy.MinimumThroughput));
        Assert.Equal(BreakerState.Open, machine.State.State);
        return machine;
    }

    /// <summary>Half-open, with the first probe permit (given with the transition) already taken.</summary>
    private BreakerStateMachine CreateHalfOpen(BreakerPolicy? policy = null)
    {
        var machine = CreateOpen(policy);
        _time.SetUtcNow(machine.State.OpenUntil!.Value);
        var (granted, transition) = machine.TryAcquireProbe();
        Assert.True(granted);
        Assert.Equal(BreakerState.HalfOpen, transition?.To);
        return machine;
    }

    private static void AcquireRemainingProbes(BreakerStateMachine machine, BreakerPolicy policy)
    {
        for (var i = machine.State.ProbesIssued; i < policy.HalfOpenProbes; i++)
        {
            Assert.True(machine.TryAcquireProbe().Granted);
        }
    }

    private BreakerTransition? Record(BreakerStateMachine machine, long successes = 0, long failures = 0, long slow = 0, long rejections = 0) =>
        machine.Record(new OutcomeCounts(_time.GetUtcNow(), successes, failures, slow, rejections));
}
