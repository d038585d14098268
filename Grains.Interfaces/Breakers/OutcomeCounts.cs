namespace Sonia.Grains.Interfaces.Breakers;

/// <summary>Outcomes one silo saw for one breaker since its last report, observed at <see cref="At"/>.</summary>
[GenerateSerializer, Immutable, Alias("sonia.breaker-outcomes")]
public sealed record class OutcomeCounts(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] long Successes,
    [property: Id(2)] long Failures,
    [property: Id(3)] long SlowCalls,
    [property: Id(4)] long Rejections)
{
    public bool IsEmpty => Successes == 0 && Failures == 0 && SlowCalls == 0 && Rejections == 0;
}
