using System.ComponentModel.DataAnnotations;
using Sonia.Grains.Interfaces.Actions;

namespace Sonia.Grains.Actions.Tools;

/// <summary>How often and how patiently a tool is retried, and which failures are never retried.</summary>
public sealed class RetryPolicy : IValidatableObject
{
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 3;

    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan BackoffBase { get; set; } = TimeSpan.FromSeconds(1);

    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan BackoffCap { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Spread retries over [delay/2, delay] so that failures together do not retry together.</summary>
    public bool Jitter { get; set; } = true;

    /// <summary>Failure classes that end the action at once. A rejection will not change by asking again.</summary>
    public List<string> NeverRetry { get; set; } = [FailureClasses.Rejected];

    /// <summary>The wait before attempt <paramref name="nextAttempt"/> (2 = the first retry).</summary>
    public TimeSpan DelayBefore(int nextAttempt, Random random)
    {
        var exponent = Math.Min(30, Math.Max(0, nextAttempt - 2));
        var delay = Math.Min(BackoffCap.Ticks, BackoffBase.Ticks * Math.Pow(2, exponent));
        if (Jitter)
        {
            delay *= 0.5 + (random.NextDouble() * 0.5);
        }

        return TimeSpan.FromTicks((long)delay);
    }

    public bool MayRetry(string failureClass, int attemptsSoFar) =>
        attemptsSoFar < MaxAttempts && !NeverRetry.Contains(failureClass, StringComparer.Ordinal);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (BackoffCap < BackoffBase)
        {
            yield return new ValidationResult($"{validationContext.DisplayName}: BackoffCap must not be shorter than BackoffBase.", [nameof(BackoffCap)]);
        }

        foreach (var failureClass in NeverRetry.Where(c => !FailureClasses.All.Contains(c)))
        {
            yield return new ValidationResult(
                $"{validationContext.DisplayName}: NeverRetry names unknown failure class '{failureClass}'.", [nameof(NeverRetry)]);
        }
    }
}
