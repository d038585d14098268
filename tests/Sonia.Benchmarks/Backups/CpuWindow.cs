using System.Diagnostics;
using System.Globalization;

namespace Sonia.Benchmarks.Backups;

/// <summary>
/// The cores in use while one phase ran: the whole machine's (from /proc/stat) and this process's own, where the backup
/// and verification code runs. The rest of the machine's share is PostgreSQL (and psql with sha256sum in the baseline)
/// on a quiet machine. A phase using fewer than all cores left some idle: it waited on one thing at a time.
/// </summary>
public sealed record CpuWindow(double MachineCores, double ProcessCores)
{
    /// <summary>/proc counts CPU time in USER_HZ ticks, 100 per second on every Linux .NET supports.</summary>
    public const double TicksPerSecond = 100;

    public static async Task<(T Result, TimeSpan Elapsed, CpuWindow? Cpu)> MeasureAsync<T>(Func<Task<T>> phase)
    {
        var busy = MachineBusyTicks();
        var process = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        var result = await phase();
        watch.Stop();
        var seconds = watch.Elapsed.TotalSeconds;
        var busyAfter = MachineBusyTicks();
        var cpu = busy is null || busyAfter is null || seconds <= 0 ? null : new CpuWindow(
            (busyAfter.Value - busy.Value) / TicksPerSecond / seconds,
            (Process.GetCurrentProcess().TotalProcessorTime - process).TotalSeconds / seconds);
        return (result, watch.Elapsed, cpu);
    }

    public override string ToString() => $"{MachineCores:F2} of {Environment.ProcessorCount} cores busy ({ProcessCores:F2} in this process)";

    /// <summary>Busy ticks of the whole machine (all but idle and iowait), from the first line of /proc/stat.</summary>
    public static long? MachineBusyTicks()
    {
        if (!File.Exists("/proc/stat"))
        {
            return null;
        }

        // cpu  user nice system idle iowait irq softirq steal ...
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        return fields[0] + fields[1] + fields[2] + fields[5] + fields[6] + fields[7];
    }
}
