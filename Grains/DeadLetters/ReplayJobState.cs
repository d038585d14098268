using Sonia.Grains.Interfaces.DeadLetters;

namespace Sonia.Grains.DeadLetters;

/// <summary>A batch replay's persisted progress: the records it took, how far it got, what happened to each.</summary>
[GenerateSerializer, Alias("sonia.replay-job-state")]
public sealed class ReplayJobState
{
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Cancelled = "cancelled";

    [Id(0)] public ReplayBatchSpec? Spec { get; set; }

    [Id(1)] public List<string> Ids { get; set; } = [];

    // Ids 2-5 held counters now derived from Items; never reuse them.

    [Id(6)] public string Status { get; set; } = Running;

    [Id(7)] public DateTimeOffset CreatedAt { get; set; }

    [Id(8)] public DateTimeOffset? FinishedAt { get; set; }

    [Id(9)] public string CorrelationId { get; set; } = string.Empty;

    /// <summary>One outcome per record done, in order: the next record to replay is <c>Ids[Items.Count]</c>.</summary>
    [Id(10)] public List<ReplayJobItem> Items { get; set; } = [];

    [System.Text.Json.Serialization.JsonIgnore]
    public int Done => Items.Count;

    public int Count(string outcome) => Items.Count(i => i.Outcome == outcome);
}
