using Sonia.Grains.Interfaces.Breakers;

namespace Sonia.Grains.Breakers;

/// <summary>A breaker's persisted state: its machine, 24 h+ of per-minute metrics, transitions and manual actions.</summary>
[GenerateSerializer, Alias("sonia.circuit-breaker-state")]
public sealed class CircuitBreakerState
{
    [Id(0)] public BreakerMachineState Machine { get; set; } = new();

    [Id(1)] public List<MinuteMetrics> Minutes { get; set; } = [];

    [Id(2)] public List<BreakerTransition> Transitions { get; set; } = [];

    [Id(3)] public List<BreakerManualAction> ManualActions { get; set; } = [];
}
