using Orleans.Concurrency;

namespace Sonia.Grains.Interfaces.Backups;

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
    [Alias("verify")]
    Task<BackupVerification?> VerifyAsync(string actor);

    /// <summary>Brings back dead letters and their actions; a dry run changes nothing.</summary>
    [Alias("restore-dlq")]
    Task<DlqRestoreOutcome> RestoreDlqAsync(bool dryRun, string actor);

    /// <summary>The manifest, its digest file and every artifact, in chunks; empty for an unknown or unfinished backup.</summary>
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
