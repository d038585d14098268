namespace Sonia.Grains.Interfaces.Actions;

/// <summary>The tool registry as a client sees it: what each tool takes, how it runs, what guards it.</summary>
[Alias("sonia.tool-catalog")]
public interface IToolCatalogGrain : IGrainWithIntegerKey
{
    /// <summary>Every registered tool, by name.</summary>
    [Alias("list")]
    Task<IReadOnlyList<ToolView>> ListAsync();
}

/// <summary>One registered tool. <see cref="ArgsSchema"/> is the JSON Schema text <c>args</c> must satisfy.</summary>
[GenerateSerializer, Immutable, Alias("sonia.tool-view")]
public sealed record class ToolView(
    [property: Id(0)] string Name,
    [property: Id(1)] string Executor,
    [property: Id(2)] string Risk,
    [property: Id(3)] bool RequiresConfirmation,
    [property: Id(4)] double? ConfirmationTimeoutSeconds,
    [property: Id(5)] double TimeoutSeconds,
    [property: Id(6)] ToolRetryView Retry,
    [property: Id(7)] string Breaker,
    [property: Id(8)] string ArgsSchema);

/// <summary>A tool's retry policy: attempts, exponential backoff between base and cap, classes never retried.</summary>
[GenerateSerializer, Immutable, Alias("sonia.tool-retry-view")]
public sealed record class ToolRetryView(
    [property: Id(0)] int MaxAttempts,
    [property: Id(1)] double BackoffBaseSeconds,
    [property: Id(2)] double BackoffCapSeconds,
    [property: Id(3)] bool Jitter,
    [property: Id(4)] IReadOnlyList<string> NeverRetry);
