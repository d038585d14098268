using Sonia.Grains.Actions.Tools;
using Sonia.Hosting.Database;

namespace Sonia.Grains.Actions.Execution;

/// <summary>Finds the executor a tool is configured to run on.</summary>
public sealed class ExecutorRouter
{
    private readonly IActionExecutor _builtIn;
    private readonly Dictionary<string, IActionExecutor> _http;

    public ExecutorRouter(ActionsOptions options, DatabaseOptions database, IHttpClientFactory httpClients, TimeProvider time)
    {
        _builtIn = new BuiltInExecutor(database, time);
        _http = options.Executors.ToDictionary(
            e => e.Key,
            e => (IActionExecutor)new HttpExecutor(httpClients.CreateClient($"executor.{e.Key}"), e.Value),
            StringComparer.Ordinal);
    }

    public IActionExecutor For(ToolDefinition tool) =>
        tool.Options.Executor == ToolOptions.BuiltInExecutorName ? _builtIn : _http[tool.Options.Executor];
}
