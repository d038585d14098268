using Sonia.Grains.Interfaces.DeadLetters;

namespace Sonia.Grains.DeadLetters;

/// <summary>
/// A batch replay's persisted progress: its filters, where its walk over the queue stands, what happened to each record.
/// The job takes the unresolved records created up to its start, oldest first, by keyset over (created_at, dlq_id).
/// </summary>
[GenerateSerializer, Alias("sonia.replay-job-state")]
public sealed class ReplayJobState
{
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Cancelled = "cancelled";

    /// <summary>The job cannot run (see <see cref="Reason"/>); it is never restarted.</summary>
    public const string Failed = "failed";

    [Id(0)] public ReplayBatchSpec? Spec { get; set; }

    /// <summary>Jobs started before keyset paging listed their records up front; new jobs leave this empty.</summary>
    [Id(1)] public List<string> Ids { get; set; } = [];

    // Ids 2-5 held counters now derived from Items; never reuse them.

    [Id(6)] public string Status { get; set; } = Running;

    [Id(7)] public DateTimeOffset CreatedAt { get; set; }

    [Id(8)] public DateTimeOffset? FinishedAt { get; set; }

    [Id(9)] public string CorrelationId { get; set; } = string.Empty;

    /// <summary>One outcome per record done, in order.</summary>
    [Id(10)] public List<ReplayJobItem> Items { get; set; } = [];

    /// <summary>Unresolved records the filters matched when the job started.</summary>
    [Id(11)] public int Total { get; set; }

    /// <summary>The last record taken; null before the first.</summary>
    [Id(12)] public ReplayCursor? After { get; set; }

    /// <summary>Records created after this are left for a later job.</summary>
    [Id(13)] public DateTimeOffset? Until { get; set; }

    [Id(14)] public string? Reason { get; set; }

    [System.Text.Json.Serialization.JsonIgnore]
    public int Done => Items.Count;

    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsLegacy => Ids.Count > 0;

    public int Count(string outcome) => Items.Count(i => i.Outcome == outcome);
}
