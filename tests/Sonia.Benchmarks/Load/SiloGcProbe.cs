using System.Globalization;

namespace Sonia.Benchmarks.Load;

/// <summary>The silo's garbage collector over the window: bytes allocated, collections and the time they paused it.</summary>
public sealed record SiloGc(long AllocatedBytes, long Collections, double PauseSeconds)
{
    private const string Allocated = "dotnet_gc_heap_total_allocated_bytes_total";
    private const string CollectionsTotal = "dotnet_gc_collections_total";
    private const string Pause = "dotnet_gc_pause_time_seconds_total";

    /// <summary>
    /// Reads the runtime's own counters (the <c>System.Runtime</c> meter) from the silo's Prometheus text; null when one of
    /// them is missing (an older runtime, or the meter not exported).
    /// </summary>
    public static SiloGc? Parse(string prometheusText)
    {
        long? allocated = null;
        long collections = 0;
        var sawCollections = false;
        double? pause = null;
        foreach (var line in prometheusText.Split('\n'))
        {
            var space = line.LastIndexOf(' ');
            if (line.StartsWith('#') || space < 0)
            {
                continue;
            }

            var name = line[..Math.Max(0, line.IndexOfAny(['{', ' ']))];
            var value = line[(space + 1)..].Trim();
            switch (name)
            {
                case Allocated:
                    allocated = (long)double.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case CollectionsTotal:
                    // One series per generation: a gen-2 collection counts in gen2 only.
                    collections += (long)double.Parse(value, CultureInfo.InvariantCulture);
                    sawCollections = true;
                    break;
                case Pause:
                    pause = double.Parse(value, CultureInfo.InvariantCulture);
                    break;
            }
        }

        return allocated is { } a && sawCollections && pause is { } p ? new SiloGc(a, collections, p) : null;
    }

    public SiloGc Minus(SiloGc earlier) =>
        new(AllocatedBytes - earlier.AllocatedBytes, Collections - earlier.Collections, PauseSeconds - earlier.PauseSeconds);
}

/// <summary>The silo's GC counters at both ends of the window, from its Prometheus listener; nothing when it has none.</summary>
public sealed class SiloGcProbe(Uri? siloMetrics) : IWindowProbe
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private SiloGc? _start;

    /// <summary>Set once the window ended, when the silo's metrics were readable at both ends.</summary>
    public SiloGc? Result { get; private set; }

    public async Task AtWindowStartAsync() => _start = await ReadAsync();

    public async Task AtWindowEndAsync()
    {
        var end = await ReadAsync();
        Result = _start is { } start && end is not null ? end.Minus(start) : null;
    }

    private async Task<SiloGc?> ReadAsync()
    {
        if (siloMetrics is null)
        {
            return null;
        }

        try
        {
            return SiloGc.Parse(await Http.GetStringAsync(siloMetrics));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            await Console.Error.WriteLineAsync($"==> the silo's metrics at {siloMetrics} did not answer ({ex.Message}): no GC figures");
            return null;
        }
    }
}
