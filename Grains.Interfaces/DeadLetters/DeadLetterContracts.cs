namespace Sonia.Grains.Interfaces.DeadLetters;

/// <summary>The states of a dead letter; stored and sent as these exact strings.</summary>
public static class DeadLetterStatuses
{
    public const string Unresolved = "unresolved";
    public const string Replayed = "replayed";
    public const string Discarded = "discarded";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { Unresolved, Replayed, Discarded };
}

/// <summary>A dead-letter record: an action that failed for good, with everything needed to replay it.</summary>
[GenerateSerializer, Immutable, Alias("sonia.dead-letter-view")]
public sealed record class DeadLetterView(
    [property: Id(0)] string DlqId,
    [property: Id(1)] string ActionId,
    [property: Id(2)] string CorrelationId,
    [property: Id(3)] string FailureClass,
    [property: Id(4)] string? ErrorType,
    [property: Id(5)] string? ErrorMessage,
    [property: Id(6)] int Attempts,
    [property: Id(7)] string Tool,
    [property: Id(8)] string Args,
    [property: Id(9)] string IdempotencyKey,
    [property: Id(10)] string Status,
    [property: Id(11)] DateTimeOffset CreatedAt,
    [property: Id(12)] DateTimeOffset? ResolvedAt,
    [property: Id(13)] string? ResolvedBy,
    [property: Id(14)] string? ResolutionReason,
    [property: Id(15)] string? ReplayActionId);

/// <summary>Filters of a dead-letter listing; newest first.</summary>
[GenerateSerializer, Immutable, Alias("sonia.dead-letter-list-query")]
public sealed record class DeadLetterQuery(
    [property: Id(0)] string? Status,
    [property: Id(1)] string? FailureClass,
    [property: Id(2)] string? Tool,
    [property: Id(3)] DateTimeOffset? Since,
    [property: Id(4)] int LastN,
    [property: Id(5)] IReadOnlyList<string>? Ids = null);

/// <summary>Whether a record would be replayed, and every reason it would not.</summary>
[GenerateSerializer, Immutable, Alias("sonia.dead-letter-verdict")]
public sealed record class ReplayVerdict(
    [property: Id(0)] string DlqId,
    [property: Id(1)] bool WouldReplay,
    [property: Id(2)] IReadOnlyList<string> Reasons);

[GenerateSerializer, Alias("sonia.dead-letter-replay-outcome")]
public enum ReplayOutcome
{
    /// <summary>A dry run: nothing changed.</summary>
    DryRun = 0,

    /// <summary>The record is now replayed and a new action runs.</summary>
    Replayed = 1,

    /// <summary>The verdict said no; nothing changed.</summary>
    Refused = 2,

    /// <summary>Someone else resolved the record first; nothing changed.</summary>
    Conflict = 3,

    NotFound = 4,

    /// <summary>The record is now discarded.</summary>
    Discarded = 5,
}

/// <summary>The answer to a replay.</summary>
[GenerateSerializer, Immutable, Alias("sonia.dead-letter-replay-result")]
public sealed record class ReplayResult(
    [property: Id(0)] ReplayOutcome Outcome,
    [property: Id(1)] ReplayVerdict? Verdict,
    [property: Id(2)] string? ReplayActionId,
    [property: Id(3)] DeadLetterView? Record);

/// <summary>Which records a batch replay takes, and how fast.</summary>
[GenerateSerializer, Immutable, Alias("sonia.dead-letter-replay-spec")]
public sealed record class ReplayBatchSpec(
    [property: Id(0)] string? FailureClass,
    [property: Id(1)] string? Tool,
    [property: Id(2)] DateTimeOffset? Since,
    [property: Id(3)] IReadOnlyList<string>? Ids,
    [property: Id(4)] double MaxPerSecond,
    [property: Id(5)] string Actor);

/// <summary>
/// A batch replay's progress. <see cref="Replayed"/>, <see cref="Skipped"/> and <see cref="Failed"/> count records (failed: the
/// replay itself errored); <see cref="Succeeded"/>, <see cref="ActionsFailed"/> and <see cref="ActionsPending"/> count what the new
/// actions did, as they end. <see cref="Reason"/> says why a <c>failed</c> job could not run.
/// </summary>
[GenerateSerializer, Immutable, Alias("sonia.dead-letter-replay-job-view")]
public sealed record class ReplayJobView(
    [property: Id(0)] string JobId,
    [property: Id(1)] string Status,
    [property: Id(2)] int Total,
    [property: Id(3)] int Done,
    [property: Id(4)] int Succeeded,
    [property: Id(5)] int Failed,
    [property: Id(6)] int Skipped,
    [property: Id(7)] double MaxPerSecond,
    [property: Id(8)] DateTimeOffset CreatedAt,
    [property: Id(9)] DateTimeOffset? FinishedAt,
    [property: Id(10)] string CorrelationId,
    [property: Id(11)] IReadOnlyList<ReplayJobItem> Items,
    [property: Id(12)] string? Reason = null,
    [property: Id(13)] int Replayed = 0,
    [property: Id(14)] int ActionsFailed = 0,
    [property: Id(15)] int ActionsPending = 0);

/// <summary>What happened to one record of a batch.</summary>
[GenerateSerializer, Immutable, Alias("sonia.dead-letter-replay-item")]
public sealed record class ReplayJobItem(
    [property: Id(0)] string DlqId,
    [property: Id(1)] string Outcome,
    [property: Id(2)] string? ReplayActionId,
    [property: Id(3)] string? Detail,
    [property: Id(4)] string? ActionStatus = null,
    [property: Id(5)] string? ActionFailureClass = null);

/// <summary>
/// A dry-run batch: what a real one would do. Counts and <see cref="SkipReasons"/> (each reason, how many records) cover every record;
/// <see cref="Verdicts"/> lists the first records in replay order (oldest first), at most 1000.
/// </summary>
[GenerateSerializer, Immutable, Alias("sonia.dead-letter-batch-preview")]
public sealed record class ReplayBatchPreview(
    [property: Id(0)] int Total,
    [property: Id(1)] int WouldReplay,
    [property: Id(2)] int WouldSkip,
    [property: Id(3)] IReadOnlyList<ReplayVerdict> Verdicts,
    [property: Id(4)] IReadOnlyList<ReplaySkipReason> SkipReasons);

/// <summary>One reason records of a batch would be skipped, and how many it holds back; most frequent first.</summary>
[GenerateSerializer, Immutable, Alias("sonia.dead-letter-skip-reason")]
public sealed record class ReplaySkipReason(
    [property: Id(0)] string Reason,
    [property: Id(1)] int Count);
