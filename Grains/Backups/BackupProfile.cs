using System.Collections.Concurrent;
using System.Diagnostics;

namespace Sonia.Grains.Backups;

/// <summary>
/// Where a backup or a verification spends its time, phase by phase (wall-clock time summed per phase; phases that run at
/// once, such as the database's digests beside the application's reads, each count in full). Null where nobody asks.
/// </summary>
public sealed class BackupProfile
{
    public const string SnapshotRead = "snapshot read (COPY out piped into storage, or reader)";
    public const string Serialisation = "serialisation (application-written artifacts)";
    public const string Hashing = "hashing while writing";
    public const string Storage = "artifact storage (chunk rows written)";
    public const string DatabaseHash = "in-database hash (sha256(content))";
    public const string AppHash = "application hash (artifact read and hashed)";
    public const string RestoreLoad = "test restore: load (COPY FROM, artifact read once for hash and load)";
    public const string RestoreReadBack = "test restore: read back and hash";

    private readonly ConcurrentDictionary<string, long> _ticks = new();

    /// <summary>Adds the time since <paramref name="started"/> (a <see cref="Stopwatch.GetTimestamp"/>) to a phase.</summary>
    public void Add(string phase, long started)
    {
        var elapsed = Stopwatch.GetTimestamp() - started;
        _ticks.AddOrUpdate(phase, elapsed, (_, total) => total + elapsed);
    }

    /// <summary>Every phase measured and its total time.</summary>
    public IReadOnlyList<(string Phase, TimeSpan Elapsed)> Phases =>
        _ticks.Select(p => (p.Key, TimeSpan.FromSeconds(p.Value / (double)Stopwatch.Frequency))).OrderByDescending(p => p.Item2).ToList();
}

/// <summary>Times a phase when there is a profile: <c>Add(profile, phase, started)</c> costs nothing without one.</summary>
public static class BackupProfiling
{
    public static long Start(this BackupProfile? profile) => profile is null ? 0 : Stopwatch.GetTimestamp();

    public static void Stop(this BackupProfile? profile, string phase, long started) => profile?.Add(phase, started);
}
