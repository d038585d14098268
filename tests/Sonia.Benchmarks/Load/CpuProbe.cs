using System.Diagnostics;
using System.Globalization;

namespace Sonia.Benchmarks.Load;

/// <summary>
/// Where the CPU went during the window, from Linux's /proc: this driver, the gateway, the silo, PostgreSQL (the
/// postmaster and its backends) and everything else on the machine. Client, gateway, silo and database share the
/// same few cores, so a figure here is a share of one budget, and "other" shows a machine loaded by someone else.
/// </summary>
public sealed class CpuProbe(SoniaProcesses? sonia) : IWindowProbe
{
    private Snapshot? _start;

    /// <summary>Set once the window ended; null when /proc is not there (not Linux).</summary>
    public CpuUsage? Result { get; private set; }

    public Task AtWindowStartAsync()
    {
        _start = Take();
        return Task.CompletedTask;
    }

    public Task AtWindowEndAsync()
    {
        var end = Take();
        if (_start is not { } start || start.MachineBusy is null || end.MachineBusy is null)
        {
            return Task.CompletedTask;
        }

        var seconds = Stopwatch.GetElapsedTime(start.Timestamp, end.Timestamp).TotalSeconds;
        double Cores(long ticks) => ticks / Backups.CpuWindow.TicksPerSecond / seconds;

        // Per process: ticks at the end minus ticks at the start (zero for a process born in the window).
        var parts = end.Processes
            .GroupBy(p => p.Value.Part)
            .ToDictionary(g => g.Key, g => Cores(g.Sum(p => p.Value.Ticks - (start.Processes.TryGetValue(p.Key, out var s) ? s.Ticks : 0))));
        var machine = Cores(end.MachineBusy.Value - start.MachineBusy.Value);
        Result = new CpuUsage(Environment.ProcessorCount, machine, parts, machine - parts.Values.Sum());
        return Task.CompletedTask;
    }

    private Snapshot Take()
    {
        var processes = new Dictionary<int, (string Part, long Ticks)>();
        void Add(int pid, string part)
        {
            if (ReadStat(pid) is { } stat)
            {
                processes[pid] = (part, stat.Ticks);
            }
        }

        Add(Environment.ProcessId, CpuUsage.Driver);
        if (sonia is not null)
        {
            Add(sonia.Gateway, CpuUsage.Gateway);
            Add(sonia.Silo, CpuUsage.Silo);
            Add(sonia.Postmaster, CpuUsage.Postgres);
            foreach (var pid in ChildrenOf(sonia.Postmaster))
            {
                Add(pid, CpuUsage.Postgres);
            }
        }

        return new Snapshot(Stopwatch.GetTimestamp(), Backups.CpuWindow.MachineBusyTicks(), processes);
    }

    private static IEnumerable<int> ChildrenOf(int parent)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && ReadStat(pid) is { } stat && stat.Parent == parent)
            {
                yield return pid;
            }
        }
    }

    /// <summary>Parent pid and user + system ticks from /proc/PID/stat; null when the process is gone.</summary>
    private static (int Parent, long Ticks)? ReadStat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // The command name (field 2) is in parentheses and may hold spaces: split after its closing one.
        // What follows starts at field 3 (state): ppid is field 4, utime 14, stime 15.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return (int.Parse(fields[1], CultureInfo.InvariantCulture),
            long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture));
    }

    private sealed record Snapshot(long Timestamp, long? MachineBusy, Dictionary<int, (string Part, long Ticks)> Processes);
}

/// <summary>CPU used during the window, in cores (CPU-seconds per second), out of <see cref="Cores"/>.</summary>
public sealed record CpuUsage(int Cores, double MachineBusy, IReadOnlyDictionary<string, double> ByPart, double Other)
{
    public const string Driver = "load driver (this process)";
    public const string Gateway = "gateway";
    public const string Silo = "silo";
    public const string Postgres = "PostgreSQL (all backends)";
}
