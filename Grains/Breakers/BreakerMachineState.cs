using Sonia.Grains.Interfaces.Breakers;

namespace Sonia.Grains.Breakers;

/// <summary>What <see cref="BreakerStateMachine"/> needs to resume after a restart; persisted with the grain.</summary>
[GenerateSerializer, Alias("sonia.breaker-machine-state")]
public sealed class BreakerMachineState
{
    [Id(0)] public BreakerState State { get; set; } = BreakerState.Closed;

    [Id(1)] public DateTimeOffset Since { get; set; }

    [Id(2)] public DateTimeOffset? OpenUntil { get; set; }

    [Id(3)] public int ConsecutiveOpenings { get; set; }

    /// <summary>Closed: outcomes per second of the sliding window, oldest first.</summary>
    [Id(4)] public List<WindowBucket> Window { get; set; } = [];

    [Id(5)] public int ProbesIssued { get; set; }

    [Id(6)] public int ProbeSuccesses { get; set; }

    [Id(7)] public int ProbeFailures { get; set; }

    /// <summary>When the current probe permits were given out, to reissue those that never report back.</summary>
    [Id(8)] public DateTimeOffset? ProbesIssuedAt { get; set; }

    [Id(9)] public long Version { get; set; }
}

/// <summary>Outcomes counted in one second of the sliding window.</summary>
[GenerateSerializer, Alias("sonia.breaker-window-bucket")]
public sealed class WindowBucket
{
    [Id(0)] public DateTimeOffset Second { get; set; }

    [Id(1)] public long Successes { get; set; }

    [Id(2)] public long Failures { get; set; }

    [Id(3)] public long SlowCalls { get; set; }
}
