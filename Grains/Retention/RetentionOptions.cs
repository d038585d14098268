using System.ComponentModel.DataAnnotations;

namespace Sonia.Grains.Retention;

/// <summary>
/// How long finished work is kept (<c>Sonia:Retention</c>). Purged in batches by the recovery sweep, never on a request.
/// Resolved dead letters follow <c>Sonia:Actions:DeadLetterRetention</c>; unresolved ones, and the actions they point to, are never purged.
/// </summary>
public sealed class RetentionOptions : IValidatableObject
{
    public const string SectionName = "Sonia:Retention";

    /// <summary>Succeeded, denied, expired and dead-lettered actions (with their audit, attempts and execution records) are deleted this long after they ended.</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00", ParseLimitsInInvariantCulture = true, ConvertValueInInvariantCulture = true,
        ErrorMessage = "Sonia:Retention:TerminalActions must be between 1 day and 3650 days.")]
    public TimeSpan TerminalActions { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// How long a client may resubmit with the same idempotency key and get the same action back. Keys are looked up in
    /// <c>sonia.actions</c> (and the built-in executor's in <c>sonia.executions</c>) for as long as the rows live, so
    /// <see cref="TerminalActions"/> may never be shorter.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "3650.00:00:00", ParseLimitsInInvariantCulture = true, ConvertValueInInvariantCulture = true,
        ErrorMessage = "Sonia:Retention:IdempotencyWindow must be between 1 minute and 3650 days.")]
    public TimeSpan IdempotencyWindow { get; set; } = TimeSpan.FromDays(7);

    /// <summary>A session whose stored state has not been written for this long is deleted.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00", ParseLimitsInInvariantCulture = true, ConvertValueInInvariantCulture = true,
        ErrorMessage = "Sonia:Retention:IdleSessions must be between 1 hour and 3650 days.")]
    public TimeSpan IdleSessions { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Rows deleted per statement: small enough to hold locks briefly.</summary>
    [Range(1, 10_000, ErrorMessage = "Sonia:Retention:BatchSize must be between 1 and 10000.")]
    public int BatchSize { get; set; } = 500;

    /// <summary>Batches per kind per sweep; what is left waits for the next sweep.</summary>
    [Range(1, 1_000, ErrorMessage = "Sonia:Retention:MaxBatchesPerSweep must be between 1 and 1000.")]
    public int MaxBatchesPerSweep { get; set; } = 20;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (TerminalActions < IdempotencyWindow)
        {
            yield return new ValidationResult(
                $"Sonia:Retention:TerminalActions ({TerminalActions}) must not be shorter than Sonia:Retention:IdempotencyWindow ({IdempotencyWindow}): " +
                "an idempotency key is honoured only while its action is kept.",
                [nameof(TerminalActions), nameof(IdempotencyWindow)]);
        }
    }
}
