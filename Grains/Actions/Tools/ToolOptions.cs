using System.ComponentModel.DataAnnotations;

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
    public TimeSpan? ConfirmationTimeout { get; set; }

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    public RetryPolicy Retry { get; set; } = new();

    /// <summary>JSON Schema (as JSON text) that <c>args</c> must satisfy.</summary>
    public string? ArgsSchema { get; set; }

    public const string BuiltInExecutorName = "builtin";
}

/// <summary>An HTTP executor: Sonia POSTs <c>{BaseUrl}/execute</c> with an <c>Idempotency-Key</c> header.</summary>
public sealed class HttpExecutorOptions
{
    [Required]
    public string BaseUrl { get; set; } = string.Empty;

    /// <summary>Sent as a bearer token; never logged or returned.</summary>
    [Sonia.Hosting.Database.Secret]
    public string? ApiKey { get; set; }
}
