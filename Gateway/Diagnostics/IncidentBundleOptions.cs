using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Sonia.Gateway.Diagnostics;

/// <summary>How much an incident bundle may hold, and how long one part of it may take.</summary>
public sealed class IncidentBundleOptions
{
    public const string SectionName = "Sonia:IncidentBundle";

    /// <summary>At most this many lines of one log file in the window are kept, the newest; the bundle says when it cut.</summary>
    [Range(1, 10_000_000)]
    public int MaxLinesPerLogFile { get; set; } = 200_000;

    /// <summary>At most this many rows of each database table (actions, dead letters, audit); the bundle says when it cut.</summary>
    [Range(1, 100_000)]
    public int MaxRowsPerTable { get; set; } = 10_000;

    /// <summary>One collector (one table, one log file, one silo) gives up after this long; the bundle names it as failed.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:30:00")]
    public TimeSpan CollectorTimeout { get; set; } = TimeSpan.FromMinutes(2);
}

/// <summary>Checks the bundle settings from their data annotations.</summary>
[OptionsValidator]
public sealed partial class IncidentBundleOptionsValidator : IValidateOptions<IncidentBundleOptions>;
