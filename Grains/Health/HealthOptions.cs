using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Sonia.Grains.Health;

/// <summary>How often the cluster's health is checked in the background, and when a result is too old to trust.</summary>
public sealed class HealthOptions
{
    public const string SectionName = "Sonia:Health";

    /// <summary>Every check of silos and database runs this often; <c>/readyz</c> and <c>/v1/health</c> serve the latest.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A result older than this (the checks have stalled) is served as unhealthy.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>One check gives up on the database or the membership table after this long.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>Checks the health settings from their data annotations.</summary>
[OptionsValidator]
public sealed partial class HealthOptionsValidator : IValidateOptions<HealthOptions>;
