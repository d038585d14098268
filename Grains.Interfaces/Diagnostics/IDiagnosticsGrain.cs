namespace Sonia.Grains.Interfaces.Diagnostics;

/// <summary>Gathers the state of everything into one snapshot; a stateless worker, so any silo answers.</summary>
[Alias("sonia.diagnostics")]
public interface IDiagnosticsGrain : IGrainWithIntegerKey
{
    public const int MinLastN = 1;
    public const int MaxLastN = 1000;
    public const int DefaultLastN = 50;

    /// <summary>The pending-actions list stops here (oldest first) and says it was cut; the counts cover every one.</summary>
    public const int MaxPending = 1000;

    /// <param name="lastN">How many recent actions and dead letters to include (1 to 1000).</param>
    [Alias("snapshot")]
    Task<DiagnosticsSnapshot> SnapshotAsync(int lastN);
}
