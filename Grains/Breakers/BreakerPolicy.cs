using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Sonia.Grains.Breakers;

/// <summary>How one dependency's breaker opens, waits and recovers. Defaults follow Polly v8.</summary>
public sealed class BreakerPolicy : IValidatableObject
{
    /// <summary>Open when at least this share of the window's calls failed (0 &lt; ratio ≤ 1).</summary>
    [Range(0.0001, 1.0)]
    public double FailureRatio { get; set; } = 0.5;

    /// <summary>Never open on fewer calls than this within the window.</summary>
    [Range(1, int.MaxValue)]
    public int MinimumThroughput { get; set; } = 10;

    /// <summary>The time-based sliding window.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A call slower than this is a slow call; null turns slow-call detection off.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan? SlowCallDuration { get; set; }

    /// <summary>Whether slow calls count as failures for <see cref="FailureRatio"/>.</summary>
    public bool SlowCallsAreFailures { get; set; } = true;

    /// <summary>How long the first opening lasts.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Each consecutive opening lasts this many times longer than the one before (1 = fixed).</summary>
    [Range(1.0, 100.0)]
    public double BreakDurationGrowthFactor { get; set; } = 2.0;

    /// <summary>The longest an opening may last, however many came before.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan MaxBreakDuration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Calls let through in half-open; their failure ratio decides close or reopen.</summary>
    [Range(1, 1000)]
    public int HalfOpenProbes { get; set; } = 3;

    /// <summary>A probe permit that has not reported back within this time is given out again.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The break after <paramref name="consecutiveOpenings"/> openings in a row (1 = the first).</summary>
    public TimeSpan BreakFor(int consecutiveOpenings)
    {
        var factor = Math.Pow(BreakDurationGrowthFactor, Math.Max(0, consecutiveOpenings - 1));
        var ticks = BreakDuration.Ticks * factor;
        return ticks >= MaxBreakDuration.Ticks ? MaxBreakDuration : TimeSpan.FromTicks((long)ticks);
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxBreakDuration < BreakDuration)
        {
            yield return new ValidationResult(
                $"{validationContext.DisplayName}: MaxBreakDuration must not be shorter than BreakDuration.", [nameof(MaxBreakDuration)]);
        }
    }
}

/// <summary>Checks one dependency's policy from its data annotations.</summary>
[OptionsValidator]
public sealed partial class BreakerPolicyValidator : IValidateOptions<BreakerPolicy>;
