using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Sonia.Grains.Health;

/// <summary>How often the cluster's health is checked in the background, and when a result is too old to trust.</summary>
public sealed class HealthOptions
{
    public const string SectionName = "Sonia:Health";

    /// <summary>
    /// Every check (silos, database, executors, breakers, ledger, dead letters) runs this often; <c>/readyz</c> and
    /// <c>/v1/health</c> serve the latest.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A result older than this (the checks have stalled) is served as unhealthy.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>One check gives up on the database or the membership table after this long.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A database round trip slower than this makes the database check degraded.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:01:00")]
    public TimeSpan DatabaseSlowAfter { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a connect to an executor's base URL may take before the executor counts as unreachable.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:00:30")]
    public TimeSpan AdapterProbeTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>More queued actions than this make the ledger check degraded.</summary>
    [Range(1, 10_000_000)]
    public int MaxQueueDepth { get; set; } = 1000;

    /// <summary>An action queued, approved or executing for longer than this makes the ledger check degraded.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan MaxUnfinishedAge { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The window the dead-letter queue's growth is counted over.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan DeadLetterWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>More dead letters than this arriving within <see cref="DeadLetterWindow"/> make the dead-letter check degraded.</summary>
    [Range(0, 10_000_000)]
    public int MaxDeadLettersPerWindow { get; set; } = 10;
}

/// <summary>Checks the health settings from their data annotations.</summary>
[OptionsValidator]
public sealed partial class HealthOptionsValidator : IValidateOptions<HealthOptions>;
