namespace Sonia.Benchmarks.Load;

/// <summary>
/// The Sonia a load runs against: its HTTP API, its PostgreSQL, and its processes when this driver knows them
/// (it only does when it started them: it never guesses at processes that may belong to someone else).
/// </summary>
public interface ILoadTarget : IAsyncDisposable
{
    Uri BaseAddress { get; }

    string PostgresConnectionString { get; }

    /// <summary>Null for a Sonia this driver did not start.</summary>
    SoniaProcesses? Processes { get; }

    /// <summary>The silo's Orleans client gateway port on 127.0.0.1, when known.</summary>
    int? OrleansPort { get; }

    /// <summary>The silo's Prometheus listener (<c>http://127.0.0.1:N/metrics</c>), when known.</summary>
    Uri? SiloMetrics { get; }
}

/// <summary>Process ids of one Sonia: the gateway, the silo and PostgreSQL's postmaster (its backends are its children).</summary>
public sealed record SoniaProcesses(int Gateway, int Silo, int Postmaster);

/// <summary>A Sonia someone else runs (<c>--url</c>, <c>--pg</c>): nothing to start or stop.</summary>
public sealed class RunningSonia(Uri baseAddress, string postgresConnectionString, int? orleansPort, Uri? siloMetrics) : ILoadTarget
{
    public Uri? SiloMetrics { get; } = siloMetrics;

    public int? OrleansPort { get; } = orleansPort;

    public Uri BaseAddress { get; } = baseAddress;

    public string PostgresConnectionString { get; } = postgresConnectionString;

    public SoniaProcesses? Processes => null;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
