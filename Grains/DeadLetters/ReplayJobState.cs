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

    /// <summary>Index of the next record; everything before it is done and counted.</summary>
    [Id(2)] public int Cursor { get; set; }

    [Id(3)] public int Succeeded { get; set; }

    [Id(4)] public int Failed { get; set; }

    [Id(5)] public int Skipped { get; set; }

    [Id(6)] public string Status { get; set; } = Running;

    [Id(7)] public DateTimeOffset CreatedAt { get; set; }

    [Id(8)] public DateTimeOffset? FinishedAt { get; set; }

    [Id(9)] public string CorrelationId { get; set; } = string.Empty;

    [Id(10)] public List<ReplayJobItem> Items { get; set; } = [];
}
