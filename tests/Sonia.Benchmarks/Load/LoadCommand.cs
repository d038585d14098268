using System.Net;

namespace Sonia.Benchmarks.Load;

/// <summary>
/// <c>load</c>: the actions load and, in the same run against the same PostgreSQL, the single-row commit ceiling
/// it is compared with. Starts and always stops its own Sonia unless pointed at a running one.
/// </summary>
public static class LoadCommand
{
    public const string Name = "load";

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
            await using var target = options.Url is { } url
                ? new RunningSonia(url, options.PostgresConnectionString!)
                : (ILoadTarget)await LocalSonia.StartAsync(options.LedgerWritersGiven ? options.LedgerWriters : null);
            var report = await MeasureAsync(target, options, cancel.Token);
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
            // Sonia would not start or answer, or the database would not: one line, no stack trace.
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

        Console.Error.WriteLine($"==> load: {options.Clients} clients, {options.Warmup.TotalSeconds:0} s warm-up, {options.Duration.TotalSeconds:0} s measured, against {target.BaseAddress}");
        var cpu = new CpuProbe(target.Processes);
        var postgres = new PostgresProbe(target.PostgresConnectionString);
        var load = await new ActionLoad(http, options.Clients, options.Warmup, options.Duration, options.PollDelay, options.WaitMs)
            .RunAsync([cpu, postgres], cancellationToken);

        // Right after the load, Sonia idle but still up: the same server, its caches warm from the load.
        await using var ceiling = await CommitCeiling.CreateAsync(target.PostgresConnectionString);
        var settings = await ceiling.ServerSettingsAsync();
        var ceilings = new List<CeilingResult>();
        foreach (var connections in new[] { options.LedgerWriters, options.Clients }.Distinct())
        {
            Console.Error.WriteLine($"==> commit ceiling: {connections} connection(s), single-row INSERT + COMMIT, {options.Duration.TotalSeconds:0} s");
            ceilings.Add(await ceiling.MeasureAsync(connections, options.Duration, cancellationToken));
        }

        return new LoadReport(options, load, cpu.Result, postgres.Result, settings, ceilings);
    }

    private static async Task EnsureReadyAsync(HttpClient http, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync("readyz", cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"{http.BaseAddress}readyz answered {(int)response.StatusCode}: Sonia is not ready");
        }
    }
}
