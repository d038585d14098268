using Orleans.Concurrency;
using Sonia.Grains.Actions.Tools;
using Sonia.Grains.Interfaces.Actions;

namespace Sonia.Grains.Actions;

/// <inheritdoc cref="IToolCatalogGrain"/>
/// <remarks>Every silo holds the same validated registry, so any activation answers from local memory.</remarks>
[StatelessWorker]
public sealed class ToolCatalogGrain(ActionsOptions options) : Grain, IToolCatalogGrain
{
    public Task<IReadOnlyList<ToolView>> ListAsync()
    {
        IReadOnlyList<ToolView> tools = options.Tools.Values
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .Select(t => View(t, options))
            .ToList();
        return Task.FromResult(tools);
    }

    public static ToolView View(ToolDefinition tool, ActionsOptions options)
    {
        var o = tool.Options;
        var retry = new ToolRetryView(
            o.Retry.MaxAttempts, o.Retry.BackoffBase.TotalSeconds, o.Retry.BackoffCap.TotalSeconds, o.Retry.Jitter, o.Retry.NeverRetry.ToList());
        var confirmation = o.RequiresConfirmation ? (o.ConfirmationTimeout ?? options.ConfirmationTimeout).TotalSeconds : (double?)null;
        return new ToolView(
            tool.Name, o.Executor, o.Risk, o.RequiresConfirmation, confirmation, o.Timeout.TotalSeconds, retry, tool.BreakerName,
            o.ArgsSchema ?? """{"type":"object"}""");
    }
}
