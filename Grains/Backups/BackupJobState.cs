using Sonia.Grains.Interfaces.Backups;

namespace Sonia.Grains.Backups;

/// <summary>A backup job's persisted state: what it was asked, how often it started, how it ended.</summary>
[GenerateSerializer, Alias("sonia.backup-job-state")]
public sealed class BackupJobState
{
    [Id(0)] public string? Label { get; set; }

    [Id(1)] public string Actor { get; set; } = string.Empty;

    [Id(2)] public DateTimeOffset CreatedAt { get; set; }

    [Id(3)] public string CorrelationId { get; set; } = string.Empty;

    [Id(4)] public string Status { get; set; } = BackupStatuses.Running;

    /// <summary>How many times the job has started; each start after the first is a resume after a crash.</summary>
    [Id(5)] public int Attempts { get; set; }

    [Id(6)] public string? Reason { get; set; }
}
