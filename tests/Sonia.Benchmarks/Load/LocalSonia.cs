using System.Globalization;

namespace Sonia.Benchmarks.Load;

/// <summary>
/// A Sonia of its own for one run: <c>deploy/up.sh --detach</c> on a fresh temporary data folder (its own
/// PostgreSQL included) and free loopback ports; <see cref="DisposeAsync"/> runs <c>deploy/down.sh</c> and deletes
/// the folder. A fresh folder means an empty ledger, so runs do not depend on what earlier runs left behind.
/// </summary>
public sealed class LocalSonia : ILoadTarget
{
    private static readonly TimeSpan StartLimitWithBuild = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan StartLimit = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan StopLimit = TimeSpan.FromMinutes(3);

    private readonly string _repositoryRoot;
    private readonly string _dataDirectory;

    private LocalSonia(string repositoryRoot, string dataDirectory, int httpPort, int orleansPort, int postgresPort)
    {
        OrleansPort = orleansPort;
        _repositoryRoot = repositoryRoot;
        _dataDirectory = dataDirectory;
        BaseAddress = new Uri($"http://127.0.0.1:{httpPort}/");
        PostgresConnectionString = $"Host=127.0.0.1;Port={postgresPort};Username=postgres;Database=sonia";
    }

    public Uri BaseAddress { get; }

    /// <summary>The same connection string up.sh gives the silo.</summary>
    public string PostgresConnectionString { get; }

    public SoniaProcesses? Processes { get; private set; }

    public int? OrleansPort { get; }

    public Uri? SiloMetrics { get; private init; }

    /// <param name="ledgerWriters">When set, the silo runs with <c>Sonia:Ledger:Writers</c> = this (through the environment up.sh passes on).</param>
    public static async Task<LocalSonia> StartAsync(int? ledgerWriters)
    {
        var root = FindRepositoryRoot();
        var data = Path.Combine(Path.GetTempPath(), "sonia-load-" + Guid.NewGuid().ToString("N")[..12]);
        var ports = FreePorts.Take(5);
        var sonia = new LocalSonia(root, data, ports[0], ports[2], ports[3])
        {
            SiloMetrics = new Uri($"http://127.0.0.1:{Text(ports[4])}/metrics"),
        };
        try
        {
            // --no-build when a Release build exists: the driver is itself run from a Release build of the solution.
            var built = File.Exists(Path.Combine(root, "Silo/bin/Release/net10.0/Sonia.Silo.dll"))
                && File.Exists(Path.Combine(root, "Gateway/bin/Release/net10.0/Sonia.Gateway.dll"));
            string[] arguments =
            [
                "--detach", "--data-dir", data,
                "--port", Text(ports[0]), "--silo-port", Text(ports[1]), "--gateway-port", Text(ports[2]), "--pg-port", Text(ports[3]),
                "--metrics-port", Text(ports[4]),
                .. built ? ["--no-build"] : Array.Empty<string>(),
            ];
            var environment = new Dictionary<string, string>();
            if (ledgerWriters is { } writers)
            {
                environment["Sonia__Ledger__Writers"] = Text(writers);
            }

            Console.Error.WriteLine($"==> starting Sonia: deploy/up.sh {string.Join(' ', arguments)}");
            var exit = await ScriptRunner.RunAsync(root, "deploy/up.sh", arguments, environment, built ? StartLimit : StartLimitWithBuild);
            if (exit != 0)
            {
                throw new InvalidOperationException($"deploy/up.sh failed with exit code {exit} (its output is above)");
            }

            sonia.Processes = new SoniaProcesses(
                ReadPid(Path.Combine(data, "run/gateway.pid")),
                ReadPid(Path.Combine(data, "run/silo.pid")),
                ReadPid(Path.Combine(data, "postgres/postmaster.pid")));
            return sonia;
        }
        catch
        {
            await sonia.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Console.Error.WriteLine($"==> stopping Sonia: deploy/down.sh --data-dir {_dataDirectory}");
        try
        {
            var exit = await ScriptRunner.RunAsync(_repositoryRoot, "deploy/down.sh", ["--data-dir", _dataDirectory], new Dictionary<string, string>(), StopLimit);
            if (exit != 0)
            {
                // Keep the folder: it holds the pid files someone needs to stop what is left by hand.
                Console.Error.WriteLine($"deploy/down.sh failed with exit code {exit}; left {_dataDirectory} in place");
                return;
            }
        }
        catch (TimeoutException ex)
        {
            Console.Error.WriteLine($"{ex.Message}; left {_dataDirectory} in place");
            return;
        }

        try
        {
            if (Directory.Exists(_dataDirectory))
            {
                Directory.Delete(_dataDirectory, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"could not delete {_dataDirectory}: {ex.Message}");
        }
    }

    /// <summary>The repository holding deploy/up.sh: above the working directory, else above this assembly.</summary>
    public static string FindRepositoryRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "deploy/up.sh")) && File.Exists(Path.Combine(dir.FullName, "Sonia.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("cannot find the repository (deploy/up.sh next to Sonia.sln) above the working directory or the program");
    }

    // Pid files: the pid on the first line (postmaster.pid has more lines after it).
    private static int ReadPid(string path) => int.Parse(File.ReadLines(path).First().Trim(), CultureInfo.InvariantCulture);

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
