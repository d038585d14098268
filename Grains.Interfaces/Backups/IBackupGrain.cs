using Orleans.Concurrency;

namespace Sonia.Grains.Interfaces.Backups;

/// <summary>
/// How long a caller waits for a verification or a DLQ restore, which read every artifact and test-restore the DLQ: minutes
/// on a large database (40-60 s for 1,000,000 dead letters on the project's loaded 2-core machine), beyond the 30 s default
/// response timeout of every other grain call. While one runs, <see cref="IBackupGrain.GetAsync"/> shows its progress.
/// </summary>
public static class BackupCallTimeouts
{
    public const string LongOperation = "02:00:00";
}

/// <summary>One backup (keyed by backup id): a durable snapshot job, its SQL-level verification, DLQ restore and export.</summary>
[Alias("sonia.backup")]
public interface IBackupGrain : IGrainWithStringKey
{
    /// <summary>Starts the job (once: a second call returns the same backup); it resumes after a silo crash.</summary>
    [Alias("start")]
    Task<BackupView> StartAsync(string? label, string actor);

    /// <summary>Null when there is no such backup (never taken, or deleted by retention).</summary>
    [Alias("get"), AlwaysInterleave]
    Task<BackupView?> GetAsync();

    /// <summary>Null for an unknown backup. A running one is finished first.</summary>
    [Alias("verify"), ResponseTimeout(BackupCallTimeouts.LongOperation)]
    Task<BackupVerification?> VerifyAsync(string actor);

    /// <summary>Brings back dead letters and their actions; a dry run changes nothing.</summary>
    [Alias("restore-dlq"), ResponseTimeout(BackupCallTimeouts.LongOperation)]
    Task<DlqRestoreOutcome> RestoreDlqAsync(bool dryRun, string actor);

    /// <summary>
    /// The manifest, its digest file and every artifact, in chunks; empty for an unknown or unfinished backup. No response
    /// timeout applies: Orleans answers a slow enumeration step with heartbeats, however long it takes.
    /// </summary>
    [Alias("export")]
    IAsyncEnumerable<BackupExportChunk> ExportAsync();
}

/// <summary>Reads over all backups.</summary>
[Alias("sonia.backup-query")]
public interface IBackupQueryGrain : IGrainWithIntegerKey
{
    /// <summary>Newest first, at most <paramref name="limit"/>.</summary>
    [Alias("list")]
    Task<IReadOnlyList<BackupView>> ListAsync(int limit);
}
