using System.Text.Json.Serialization;

namespace Sonia.Grains.Interfaces.Backups;

/// <summary>One stored artifact of a backup: its rows, bytes and SHA-256 (lower-case hex) as the manifest records them.</summary>
[GenerateSerializer, Immutable, Alias("sonia.backup-artifact")]
public sealed record class BackupArtifact(
    [property: Id(0)] string Name,
    [property: Id(1)] long Rows,
    [property: Id(2)] long Bytes,
    [property: Id(3)] string Sha256);

/// <summary>
/// What runs on a backup now: its job (<see cref="Operation"/> <c>backup</c>), a verification, a DLQ restore or an export;
/// its phase and how many artifacts it has handled of how many; a restore, how many rows of the artifact it is restoring
/// it has read of how many (null for the other operations).
/// </summary>
[GenerateSerializer, Immutable, Alias("sonia.backup-progress")]
public sealed record class BackupProgress(
    [property: Id(0)] string Phase,
    [property: Id(1)] int ArtifactsDone,
    [property: Id(2)] int ArtifactsTotal,
    [property: Id(3)] int Attempt,
    [property: Id(4)] string Operation = BackupOperations.Backup,
    [property: Id(5)] DateTimeOffset? StartedAt = null,
    [property: Id(6)] long? RowsDone = null,
    [property: Id(7)] long? RowsTotal = null);

/// <summary>The operations <see cref="BackupProgress"/> reports.</summary>
public static class BackupOperations
{
    public const string Backup = "backup";
    public const string Verification = "verification";
    public const string Restore = "restore";
}

/// <summary>A verification as recorded in a backup's history.</summary>
[GenerateSerializer, Immutable, Alias("sonia.backup-verification-entry")]
public sealed record class BackupVerificationEntry(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] string Actor,
    [property: Id(2)] bool Passed,
    [property: Id(3)] IReadOnlyList<string> Problems);

/// <summary>A backup: its status, progress, artifacts (once it succeeded) and verification history.</summary>
[GenerateSerializer, Immutable, Alias("sonia.backup-view")]
public sealed record class BackupView(
    [property: Id(0)] string BackupId,
    [property: Id(1)] string? Label,
    [property: Id(2)] string Status,
    [property: Id(3)] string Actor,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] DateTimeOffset? FinishedAt,
    [property: Id(6)] string? SchemaVersion,
    [property: Id(7)] string? ManifestSha256,
    [property: Id(8)] string? Error,
    [property: Id(9)] BackupProgress? Progress,
    [property: Id(10)] IReadOnlyList<BackupArtifact> Artifacts,
    [property: Id(11)] IReadOnlyList<BackupVerificationEntry> Verifications);

/// <summary>
/// One artifact's check: the manifest's digest against the application's and the database's. For an artifact the manifest
/// cuts into digest segments (one larger than the database can hash as one value), the database's digest is each segment's,
/// in <see cref="Segments"/>, and <see cref="Sha256Db"/> is null; otherwise <see cref="Segments"/> is null (and not written).
/// </summary>
[GenerateSerializer, Immutable, Alias("sonia.backup-artifact-check")]
public sealed record class ArtifactCheck(
    [property: Id(0)] string Name,
    [property: Id(1)] long Rows,
    [property: Id(2)] long Bytes,
    [property: Id(3)] string? Sha256Manifest,
    [property: Id(4)] string? Sha256App,
    [property: Id(5)] string? Sha256Db,
    [property: Id(6)] bool Passed,
    [property: Id(7), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<SegmentCheck>? Segments = null);

/// <summary>One digest segment of an artifact, chunks <c>[SeqFrom, SeqTo)</c>: the manifest's digest against the database's.</summary>
[GenerateSerializer, Immutable, Alias("sonia.backup-segment-check")]
public sealed record class SegmentCheck(
    [property: Id(0)] int SeqFrom,
    [property: Id(1)] int SeqTo,
    [property: Id(2)] long Bytes,
    [property: Id(3)] string Sha256Manifest,
    [property: Id(4)] string? Sha256Db,
    [property: Id(5)] bool Passed);

/// <summary>One table restored into the scratch schema: rows and checksum against the manifest.</summary>
[GenerateSerializer, Immutable, Alias("sonia.backup-table-check")]
public sealed record class TableCheck(
    [property: Id(0)] string Table,
    [property: Id(1)] long RowsManifest,
    [property: Id(2)] long RowsRestored,
    [property: Id(3)] string? Sha256Manifest,
    [property: Id(4)] string? Sha256Restored,
    [property: Id(5)] bool Passed);

/// <summary>The test restore of the DLQ and actions artifacts into a scratch schema, created and dropped by the verification.</summary>
[GenerateSerializer, Immutable, Alias("sonia.backup-test-restore")]
public sealed record class TestRestoreResult(
    [property: Id(0)] string Schema,
    [property: Id(1)] bool Passed,
    [property: Id(2)] IReadOnlyList<TableCheck> Tables,
    [property: Id(3)] string? Error);

/// <summary>The answer of a verification; <see cref="Problems"/> names every thing that changed.</summary>
[GenerateSerializer, Immutable, Alias("sonia.backup-verification")]
public sealed record class BackupVerification(
    [property: Id(0)] string BackupId,
    [property: Id(1)] bool Passed,
    [property: Id(2)] DateTimeOffset VerifiedAt,
    [property: Id(3)] ArtifactCheck Manifest,
    [property: Id(4)] IReadOnlyList<ArtifactCheck> Artifacts,
    [property: Id(5)] TestRestoreResult? TestRestore,
    [property: Id(6)] IReadOnlyList<string> Problems);

/// <summary>What a DLQ restore did (or, in a dry run, would do) to one table.</summary>
[GenerateSerializer, Immutable, Alias("sonia.backup-restore-counts")]
public sealed record class RestoreCounts(
    [property: Id(0)] int Inserted,
    [property: Id(1)] int Identical,
    [property: Id(2)] int Conflicting);

/// <summary>A record the restore left alone because the database holds a different (newer) version of it.</summary>
[GenerateSerializer, Immutable, Alias("sonia.backup-restore-conflict")]
public sealed record class RestoreConflict(
    [property: Id(0)] string Table,
    [property: Id(1)] string Key,
    [property: Id(2)] string Reason);

/// <summary>The answer of a DLQ restore. In a dry run <c>Inserted</c> counts what would be inserted.</summary>
[GenerateSerializer, Immutable, Alias("sonia.backup-restore")]
public sealed record class DlqRestoreResult(
    [property: Id(0)] string BackupId,
    [property: Id(1)] bool DryRun,
    [property: Id(2)] RestoreCounts DeadLetters,
    [property: Id(3)] RestoreCounts Actions,
    [property: Id(4)] IReadOnlyList<RestoreConflict> Conflicts,
    [property: Id(5)] bool ConflictsTruncated);

/// <summary>Why a restore did not run: the backup is unknown, not finished, or failed its verification.</summary>
[GenerateSerializer, Immutable, Alias("sonia.backup-restore-outcome")]
public sealed record class DlqRestoreOutcome(
    [property: Id(0)] DlqRestoreResult? Result,
    [property: Id(1)] string? Refused,
    [property: Id(2)] BackupVerification? Verification);

/// <summary>A piece of an export: the bytes of one file, in order; a new name starts a new file.</summary>
[GenerateSerializer, Immutable, Alias("sonia.backup-export-chunk")]
public sealed record class BackupExportChunk(
    [property: Id(0)] string Name,
    [property: Id(1)] byte[] Data);
