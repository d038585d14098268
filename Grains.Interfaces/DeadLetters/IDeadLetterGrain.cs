namespace Sonia.Grains.Interfaces.DeadLetters;

/// <summary>One dead-letter record (keyed by dlq id): replay and discard, one at a time.</summary>
[Alias("sonia.dead-letter")]
public interface IDeadLetterGrain : IGrainWithStringKey
{
    [Alias("get")]
    Task<DeadLetterView?> GetAsync();

    /// <summary>
    /// A dry run returns the verdict and changes nothing. A real one moves the record unresolved → replayed and
    /// creates the replay action (original correlation id and idempotency key, <c>replay_of</c> set) together.
    /// </summary>
    [Alias("replay")]
    Task<ReplayResult> ReplayAsync(bool dryRun, string actor);

    [Alias("discard")]
    Task<ReplayResult> DiscardAsync(string? reason, string actor);
}

/// <summary>Reads over many dead letters.</summary>
[Alias("sonia.dead-letter-query")]
public interface IDeadLetterQueryGrain : IGrainWithIntegerKey
{
    [Alias("list")]
    Task<IReadOnlyList<DeadLetterView>> ListAsync(DeadLetterQuery query);

    /// <summary>Unresolved records per failure class.</summary>
    [Alias("counts")]
    Task<IReadOnlyDictionary<string, int>> CountsAsync();

    /// <summary>What a batch replay with <paramref name="spec"/> would do; changes nothing.</summary>
    [Alias("preview")]
    Task<ReplayBatchPreview> PreviewAsync(ReplayBatchSpec spec);
}

/// <summary>A durable batch replay (keyed by job id); survives silo crashes and resumes where it stopped.</summary>
[Alias("sonia.dead-letter-replay-job")]
public interface IReplayJobGrain : IGrainWithStringKey
{
    [Alias("start")]
    Task<ReplayJobView> StartAsync(ReplayBatchSpec spec);

    [Alias("get")]
    Task<ReplayJobView?> GetAsync();

    [Alias("cancel")]
    Task<ReplayJobView?> CancelAsync(string actor);
}
