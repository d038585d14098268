using System.Diagnostics;

namespace Sonia.Benchmarks.Load;

/// <summary>
/// The measured part of a run, in <see cref="Stopwatch"/> timestamps. Fixed before the clients start, so a client
/// decides on its own whether an event counts: no shared phase flag to read or race on.
/// </summary>
public readonly record struct MeasurementWindow(long Start, long End)
{
    public static MeasurementWindow After(TimeSpan warmup, TimeSpan duration)
    {
        var start = Stopwatch.GetTimestamp() + Ticks(warmup);
        return new MeasurementWindow(start, start + Ticks(duration));
    }

    public double Seconds => (End - Start) / (double)Stopwatch.Frequency;

    public bool Contains(long timestamp) => timestamp >= Start && timestamp < End;

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);
}
