using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Sonia.Grains.Actions.Tools;

/// <summary>One tool of the registry: who runs it, how risky it is, how long it may take, how it is retried.</summary>
public sealed class ToolOptions
{
    /// <summary><c>builtin</c>, or the name of an HTTP executor under <c>Sonia:Actions:Executors</c>.</summary>
    [Required]
    public string Executor { get; set; } = BuiltInExecutorName;

    /// <summary><c>low</c>, <c>medium</c> or <c>high</c>; informs operators, confirmation is its own switch.</summary>
    [RegularExpression("^(low|medium|high)$")]
    public string Risk { get; set; } = "low";

    public bool RequiresConfirmation { get; set; }

    /// <summary>Lets the key that submitted an action approve it too; off by default (four-eyes).</summary>
    public bool AllowSelfApproval { get; set; }

    /// <summary>Overrides <see cref="ActionsOptions.ConfirmationTimeout"/> for this tool.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "30.00:00:00")]
    public TimeSpan? ConfirmationTimeout { get; set; }

    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    [ValidateObjectMembers]
    public RetryPolicy Retry { get; set; } = new();

    /// <summary>
    /// How long an action may wait, without spending attempts, for its executor's breaker to let it through;
    /// past this it dead-letters as <c>breaker_open</c>. Zero dead-letters at the first refusal. The default
    /// outlasts several breaks at the breakers' default 2-minute cap.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan MaxBreakerWait { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>JSON Schema (as JSON text) that <c>args</c> must satisfy.</summary>
    public string? ArgsSchema { get; set; }

    public const string BuiltInExecutorName = "builtin";
}

/// <summary>Checks a tool's settings, its retry policy included, from their data annotations.</summary>
[OptionsValidator]
public sealed partial class ToolOptionsValidator : IValidateOptions<ToolOptions>;
