using System.Diagnostics;
using System.Globalization;

namespace Sonia.Benchmarks.Drills;

/// <summary>
/// Silos and a gateway as OS processes, started the way <c>deploy/up.sh</c> starts them (<c>dotnet</c> on the Release
/// build, run from the assembly folder, one shared environment), each on its own free loopback ports. Every process is
/// remembered by PID and SIGKILLed by <see cref="DisposeAsync"/>, whatever happened before.
/// </summary>
public sealed class DrillProcesses : IAsyncDisposable
{
    private readonly DrillSettings _settings;
    private readonly Dictionary<string, string> _environment;
    private readonly List<Process> _started = [];
    private readonly Dictionary<int, (int SiloPort, int GatewayPort)> _siloPorts = [];

    public DrillProcesses(DrillSettings settings, string drill, string executorUrl)
    {
        _settings = settings;
        var data = Path.Combine(settings.OutDirectory, "logs", drill);
        Directory.CreateDirectory(data);
        LogDirectory = data;
        _environment = new Dictionary<string, string>
        {
            ["Sonia__Database__Provider"] = "PostgreSql",
            ["Sonia__Database__ConnectionString"] = settings.ConnectionString,
            ["Sonia__Cluster__Clustering"] = "AdoNet",
            ["Sonia__Cluster__ClusterId"] = $"drill-{drill}-{Guid.NewGuid():N}"[..24],
            ["Sonia__DataPath"] = data,
            ["Sonia__Actions__Executors__fake__BaseUrl"] = executorUrl,
            ["Sonia__Actions__Tools__t.fake__Executor"] = "fake",
        };
        var http = Load.FreePorts.Take(1)[0];
        BaseAddress = new Uri($"http://127.0.0.1:{http}/");
    }

    public Uri BaseAddress { get; }

    public string LogDirectory { get; }

    /// <summary>Starts silo number <paramref name="index"/> (again, on the same ports, after a kill).</summary>
    public void StartSilo(int index)
    {
        if (!_siloPorts.TryGetValue(index, out var ports))
        {
            var free = Load.FreePorts.Take(2);
            ports = (free[0], free[1]);
            _siloPorts[index] = ports;
        }

        Silos[index] = Start($"silo{index}", _settings.SiloDll, new Dictionary<string, string>
        {
            ["Sonia__Cluster__SiloPort"] = Text(ports.SiloPort),
            ["Sonia__Cluster__GatewayPort"] = Text(ports.GatewayPort),
        });
    }

    public Dictionary<int, Process> Silos { get; } = [];

    /// <summary>The cluster id every process of this drill shares (the membership table's deployment id).</summary>
    public string ClusterId => _environment["Sonia__Cluster__ClusterId"];

    /// <summary>Silo-to-silo port of silo <paramref name="index"/>: the port a lease owner (address:port@generation) names.</summary>
    public int SiloPort(int index) => _siloPorts[index].SiloPort;

    public void StartGateway() =>
        Start("gateway", _settings.GatewayDll, new Dictionary<string, string> { ["ASPNETCORE_URLS"] = BaseAddress.ToString().TrimEnd('/') });

    /// <summary>SIGKILL: no chance to leave the cluster politely.</summary>
    public void KillSilo(int index)
    {
        var silo = Silos[index];
        silo.Kill(entireProcessTree: true);
        silo.WaitForExit(10_000);
    }

    public ValueTask DisposeAsync()
    {
        foreach (var process in _started)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(10_000);
                }
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            process.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private Process Start(string name, string dll, Dictionary<string, string> extra)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        info.ArgumentList.Add(dll);
        foreach (var (key, value) in _environment.Concat(extra))
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info };
        var log = new StreamWriter(Path.Combine(LogDirectory, $"{name}-{_started.Count}.out")) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _started.Add(process);

        // deploy/chaos-drill.sh stops every PID listed here if this driver itself dies before DisposeAsync.
        File.AppendAllText(Path.Combine(_settings.OutDirectory, "logs", "pids"), $"{process.Id}\n");
        Console.Error.WriteLine($"==> {name} started, pid {process.Id}");
        return process;
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            log.WriteLine(line);
        }
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
