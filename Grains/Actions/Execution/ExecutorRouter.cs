using Sonia.Grains.Actions.Tools;
using Sonia.Hosting.Database;

namespace Sonia.Grains.Actions.Execution;

/// <summary>Finds the executor a tool is configured to run on.</summary>
public sealed class ExecutorRouter : IDisposable
{
    private readonly IActionExecutor _builtIn;
    private readonly Dictionary<string, HttpExecutor> _http;
    private readonly List<HttpClient> _clients = [];

    public ExecutorRouter(ActionsOptions options, DatabaseOptions database, TimeProvider time)
    {
        _builtIn = new BuiltInExecutor(database, time);
        _http = new Dictionary<string, HttpExecutor>(StringComparer.Ordinal);
        foreach (var (name, executor) in options.Executors)
        {
            var client = new HttpClient(CreateHandler(executor), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
            _clients.Add(client);
            _http[name] = new HttpExecutor(client, executor);
        }
    }

    /// <summary>
    /// One client per executor lives as long as the silo, so its pooled connections must not: each is closed after
    /// <see cref="HttpExecutorOptions.ConnectionLifetime"/> and the next request resolves the name again.
    /// The per-tool timeout cancels each call, so the client itself has none.
    /// </summary>
    public static SocketsHttpHandler CreateHandler(HttpExecutorOptions executor) => new()
    {
        PooledConnectionLifetime = executor.ConnectionLifetime,
        PooledConnectionIdleTimeout = TimeSpan.FromTicks(Math.Min(executor.ConnectionLifetime.Ticks, TimeSpan.FromMinutes(1).Ticks)),
        ConnectTimeout = TimeSpan.FromSeconds(10),
        AllowAutoRedirect = false,
    };

    public IActionExecutor For(ToolDefinition tool) =>
        tool.Options.Executor == ToolOptions.BuiltInExecutorName ? _builtIn : _http[tool.Options.Executor];

    public void Dispose()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }
    }
}
