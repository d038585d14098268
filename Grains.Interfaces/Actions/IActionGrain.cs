using Orleans.Concurrency;

namespace Sonia.Grains.Interfaces.Actions;

/// <summary>One action's lifecycle, keyed by action id; its row in <c>sonia.actions</c> is its state.</summary>
[Alias("sonia.action")]
public interface IActionGrain : IGrainWithStringKey
{
    /// <summary>
    /// Records the action durably, then (unless it needs confirmation) starts running it. Answers
    /// <see cref="SubmitOutcome.Busy"/> when the ledger cannot take it now; once the caller cancels, it is never recorded.
    /// </summary>
    [Alias("accept")]
    Task<SubmitResult> AcceptAsync(ActionSubmission submission, string idempotencyKey, CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates this action as the replay of a dead letter (same tool, args, correlation id and idempotency key,
    /// <c>replay_of</c> set), resolving the record in the same transaction; refused if it was resolved already.
    /// </summary>
    [Alias("accept-replay")]
    Task<SubmitResult> AcceptReplayAsync(Sonia.Grains.Interfaces.DeadLetters.DeadLetterView source, string actor);

    /// <summary>The action with its audit trail and attempts, or null when there is none.</summary>
    [Alias("get"), AlwaysInterleave]
    Task<ActionView?> GetAsync();

    /// <summary>The action once it reached a terminal state, or as it stands after <paramref name="waitMs"/>.</summary>
    [Alias("wait"), AlwaysInterleave]
    Task<ActionView?> WaitAsync(int waitMs);

    /// <param name="enforceFourEyes">False only where every caller is the same person (open local mode).</param>
    [Alias("approve")]
    Task<CommandResult> ApproveAsync(string argsHash, string actor, bool enforceFourEyes = true);

    [Alias("deny")]
    Task<CommandResult> DenyAsync(string? reason, string actor);

    /// <summary>Picks up unfinished work after a crash or an elapsed deadline; harmless when already running.</summary>
    [Alias("resume"), AlwaysInterleave]
    Task ResumeAsync();
}

/// <summary>Serialises submissions that carry the same idempotency key (the grain key).</summary>
[Alias("sonia.action-submission")]
public interface IActionSubmissionGrain : IGrainWithStringKey
{
    [Alias("submit")]
    Task<SubmitResult> SubmitAsync(ActionSubmission submission, CancellationToken cancellationToken = default);
}

/// <summary>Reads over many actions.</summary>
[Alias("sonia.action-query")]
public interface IActionQueryGrain : IGrainWithIntegerKey
{
    [Alias("list")]
    Task<IReadOnlyList<ActionView>> ListAsync(ActionQuery query);
}

/// <summary>Finds unfinished actions nobody is working on (their owner died or its lease ran out) and resumes them.</summary>
[Alias("sonia.action-recovery")]
public interface IActionRecoveryGrain : IGrainWithStringKey
{
    public const string ClusterKey = "cluster";

    /// <summary>Registers the recovery reminder; called by every silo at start, idempotent.</summary>
    [Alias("ensure-started")]
    Task EnsureStartedAsync();

    /// <summary>Runs one sweep now; returns how many actions were resumed.</summary>
    [Alias("sweep")]
    Task<int> SweepAsync();

    /// <summary>
    /// Resumes now every unfinished action whose lease names a silo instance membership no longer counts alive (declared
    /// dead, gone from the table, or an earlier incarnation of a restarted silo); returns how many were resumed.
    /// </summary>
    [Alias("resume-orphans")]
    Task<int> ResumeOrphansAsync();
}
