using System.Globalization;
using System.Net;

namespace Sonia.Benchmarks.Load;

/// <summary>
/// <c>load</c>: the actions load (over HTTP, through an Orleans client, or both) and, in the same run against the same
/// PostgreSQL, the single-row commit ceiling it is compared with; with <c>--peers</c>, then the peer benchmarks.
/// Starts and always stops its own Sonia unless pointed at a running one.
/// </summary>
public static class LoadCommand
{
    public const string Name = "load";

    /// <summary>The in-cluster load follows the HTTP one on a warm silo: a short warm-up for the driver's own client.</summary>
    private static readonly TimeSpan ClusterWarmupAfterHttp = TimeSpan.FromSeconds(10);

    /// <returns>0 for a valid run, 1 when a request failed or an action did not succeed, 2 for bad arguments.</returns>
    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        LoadOptions options;
        try
        {
            if (args.Contains("--help") || args.Contains("-h"))
            {
                Console.WriteLine(LoadOptions.Usage);
                return 0;
            }

            options = LoadOptions.Parse(args);
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine($"load: {ex.Message}");
            Console.Error.WriteLine(LoadOptions.Usage);
            return 2;
        }

        // Ctrl-C ends the load early, but the finally blocks still stop Sonia and drop the scratch table.
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };

        try
        {
            // Before anything starts: a missing peers script is a one-line error, not a surprise after the load.
            var peersScript = options.Peers ? Peers.Locate(options.PeersScript) : null;
            LoadReport report;
            await using (var target = options.Url is { } url
                ? new RunningSonia(url, options.PostgresConnectionString!, options.OrleansPort, options.SiloMetrics)
                : (ILoadTarget)await LocalSonia.StartAsync(options.LedgerWritersGiven ? options.LedgerWriters : null))
            {
                report = await MeasureAsync(target, options, cancel.Token);
            }

            // Sonia is stopped by now: the peers get the machine to themselves, as Sonia had.
            if (peersScript is not null)
            {
                report = report with { Peers = await Peers.RunAsync(peersScript, options.PeersJobs, cancel.Token) };
            }

            report.Print(Console.Out);
            return report.IsValid ? 0 : 1;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            Console.Error.WriteLine("load: interrupted");
            return 130;
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or HttpRequestException or Npgsql.NpgsqlException)
        {
            // Sonia would not start or answer, the database would not, or the peers script is missing: one line.
            Console.Error.WriteLine($"load: {ex.Message}");
            return 1;
        }
    }

    private static async Task<LoadReport> MeasureAsync(ILoadTarget target, LoadOptions options, CancellationToken cancellationToken)
    {
        // One client for all: each EchoClient has at most one request in flight, so N connections serve N clients.
        using var http = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            MaxConnectionsPerServer = options.Clients,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            AutomaticDecompression = DecompressionMethods.None,
        })
        {
            BaseAddress = target.BaseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };
        await EnsureReadyAsync(http, cancellationToken);

        var phases = new List<LoadPhase>();
        if (options.Mode.HasFlag(LoadMode.Http))
        {
            Console.Error.WriteLine($"==> load over HTTP: {options.Clients} clients, {options.Warmup.TotalSeconds:0} s warm-up, "
                + $"{options.Duration.TotalSeconds:0} s measured, against {target.BaseAddress}");
            phases.Add(await RunPhaseAsync(LoadPhase.Http, target, options.Warmup, options, cancellationToken,
                (window, progress, next) => new EchoClient(http, window, options.PollDelay, next, progress, options.WaitMs)));
        }

        await using var cluster = target.OrleansPort is { } port ? await ClusterConnection.ConnectAsync(port) : null;
        if (options.Mode.HasFlag(LoadMode.Cluster))
        {
            var warmup = phases.Count > 0 && options.Warmup > ClusterWarmupAfterHttp ? ClusterWarmupAfterHttp : options.Warmup;
            Console.Error.WriteLine($"==> load in cluster (Orleans client, no HTTP): {options.Clients} clients, "
                + $"{warmup.TotalSeconds:0} s warm-up, {options.Duration.TotalSeconds:0} s measured");
            phases.Add(await RunPhaseAsync(LoadPhase.Cluster, target, warmup, options, cancellationToken,
                (window, progress, next) => new ClusterEchoClient(cluster!.Client, window, next, progress, options.ClusterWaitMs)));
        }

        // Right after the last action ended: what the run left in memory.
        var end = new EndOfRun(
            cluster is null ? null : await cluster.CountActivationsAsync(),
            target.Processes is { } processes ? WorkingSetBytes(processes.Silo) : null,
            target.Processes is { } p ? WorkingSetBytes(p.Gateway) : null,
            phases.Sum(ph => (long)ph.Load.Tally.Started));

        // Right after the load, Sonia idle but still up: the same server, its caches warm from the load.
        var ceilings = new List<CeilingResult>();
        var settings = string.Empty;
        if (options.Ceiling)
        {
            await using var ceiling = await CommitCeiling.CreateAsync(target.PostgresConnectionString);
            settings = await ceiling.ServerSettingsAsync();
            foreach (var connections in new[] { options.LedgerWriters, options.Clients }.Distinct())
            {
                Console.Error.WriteLine(
                    $"==> commit ceiling: {connections} connection(s), single-row INSERT + COMMIT, {options.Duration.TotalSeconds:0} s");
                ceilings.Add(await ceiling.MeasureAsync(connections, options.Duration, cancellationToken));
            }
        }

        return new LoadReport(options, phases, end, settings, ceilings, LoadAverage(), []);
    }

    private static async Task<LoadPhase> RunPhaseAsync(
        string name,
        ILoadTarget target,
        TimeSpan warmup,
        LoadOptions options,
        CancellationToken cancellationToken,
        ActionLoad.ClientFactory newClient)
    {
        var loadBefore = LoadAverage();
        var cpu = new CpuProbe(target.Processes);
        var postgres = new PostgresProbe(target.PostgresConnectionString);
        var gc = new SiloGcProbe(target.SiloMetrics);
        var load = await new ActionLoad(options.Clients, warmup, options.Duration, newClient, options.Pace)
            .RunAsync([cpu, postgres, gc], cancellationToken);
        return new LoadPhase(name, load, cpu.Result, postgres.Result, $"{loadBefore} before, {LoadAverage()} after") { SiloGc = gc.Result };
    }

    private static async Task EnsureReadyAsync(HttpClient http, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync("readyz", cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"{http.BaseAddress}readyz answered {(int)response.StatusCode}: Sonia is not ready");
        }
    }

    /// <summary>The machine's 1, 5 and 15 minute load averages, to tell a quiet run from one shared with other work.</summary>
    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    /// <summary>Resident set size of a process (VmRSS in /proc/PID/status); null when it is gone or not on Linux.</summary>
    private static long? WorkingSetBytes(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            var kib = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
            return kib is null ? null : long.Parse(kib, CultureInfo.InvariantCulture) * 1024;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
