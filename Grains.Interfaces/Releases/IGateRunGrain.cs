namespace Sonia.Grains.Interfaces.Releases;

/// <summary>Promotion-gate runs, kept in the operator audit trail (operation <c>release.promotion_gate</c>, target = commit).</summary>
[Alias("sonia.gate-runs")]
public interface IGateRunGrain : IGrainWithIntegerKey
{
    /// <summary>Records a validated report for <paramref name="actor"/>; returns the run as the trail now holds it.</summary>
    [Alias("record")]
    Task<GateRun> RecordAsync(GateRunReport report, string actor);

    /// <summary>Newest first, at most <paramref name="limit"/>.</summary>
    [Alias("list")]
    Task<IReadOnlyList<GateRun>> ListAsync(int limit);
}
