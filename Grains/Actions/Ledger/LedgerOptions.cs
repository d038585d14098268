using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Sonia.Grains.Actions.Ledger;

/// <summary>How the action ledger group-commits: writers in parallel, each committing up to a batch at once.</summary>
public sealed class LedgerOptions
{
    public const string SectionName = "Sonia:Ledger";

    /// <summary>Connections committing in parallel; each takes whatever queued while the previous commit ran.</summary>
    [Range(1, 64)]
    public int Writers { get; set; } = 2;

    [Range(1, 10000)]
    public int MaxBatch { get; set; } = 256;

    /// <summary>
    /// Changes waiting for a writer, at most. A new action that finds the queue full is refused at once (the gateway
    /// answers 503 with Retry-After) instead of waiting for a commit its client will have given up on.
    /// </summary>
    [Range(1, 1_000_000)]
    public int QueueLimit { get; set; } = 10_000;

    /// <summary>
    /// How long a new action may wait for a writer before it is dropped and refused as busy. Kept well under Orleans'
    /// 30 s response timeout, so a submission is never committed after its caller was told it failed.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:25", ParseLimitsInInvariantCulture = true, ConvertValueInInvariantCulture = true)]
    public TimeSpan MaxQueueWait { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>Checks the ledger settings from their data annotations.</summary>
[OptionsValidator]
public sealed partial class LedgerOptionsValidator : IValidateOptions<LedgerOptions>;
