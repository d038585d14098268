using Sonia.Benchmarks.Load;

namespace Sonia.Tests.Benchmarks;

/// <summary>The load driver's options: the paced rate (issue 16's latency at half the maximum rate) and its bounds.</summary>
public sealed class LoadOptionsTests
{
    [Fact]
    public void Rate_SpreadsOverTheClients_EachStartingOncePerClientsOverRateSeconds()
    {
        var options = LoadOptions.Parse(["--clients", "32", "--rate", "500"]);

        Assert.Equal(500, options.Rate);
        Assert.Equal(TimeSpan.FromMilliseconds(64), options.Pace);
    }

    [Fact]
    public void NoRate_IsUnpaced()
    {
        var options = LoadOptions.Parse(["--mode", "both"]);

        Assert.Equal(0, options.Rate);
        Assert.Equal(TimeSpan.Zero, options.Pace);
    }

    [Theory]
    [InlineData("-5")]
    [InlineData("fast")]
    [InlineData("100001")]
    public void Rate_OutOfRangeOrNotANumber_IsRefusedNamingTheOption(string value)
    {
        var error = Assert.Throws<ArgumentException>(() => LoadOptions.Parse(["--rate", value]));

        Assert.Contains("--rate must be an integer from 0 to 100000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SiloMetrics_GoesWithUrl_AndOnLoopbackOnly()
    {
        var options = LoadOptions.Parse(["--url", "http://127.0.0.1:5080", "--pg", "Host=127.0.0.1;Port=55432",
            "--silo-metrics", "http://127.0.0.1:9464/metrics"]);

        Assert.Equal(new Uri("http://127.0.0.1:9464/metrics"), options.SiloMetrics);
        Assert.Contains("--silo-metrics goes with --url",
            Assert.Throws<ArgumentException>(() => LoadOptions.Parse(["--silo-metrics", "http://127.0.0.1:9464/metrics"])).Message,
            StringComparison.Ordinal);
        Assert.Contains("--silo-metrics must be an http:// URL on a loopback address", Assert.Throws<ArgumentException>(() =>
            LoadOptions.Parse(["--url", "http://127.0.0.1:5080", "--pg", "Host=127.0.0.1", "--silo-metrics", "http://10.1.2.3/metrics"]))
            .Message, StringComparison.Ordinal);
    }

    /// <summary>The silo's GC over a window, from two scrapes of its Prometheus text (the lines the System.Runtime meter writes).</summary>
    [Fact]
    public void SiloGc_ReadsAllocatedBytesCollectionsAndPauses_AndTheirDifference()
    {
        const string Before = """
            # TYPE dotnet_gc_collections_total counter
            dotnet_gc_collections_total{otel_scope_name="System.Runtime",gc_heap_generation="gen2"} 4
            dotnet_gc_collections_total{otel_scope_name="System.Runtime",gc_heap_generation="gen1"} 1
            dotnet_gc_collections_total{otel_scope_name="System.Runtime",gc_heap_generation="gen0"} 4
            dotnet_gc_heap_total_allocated_bytes_total{otel_scope_name="System.Runtime"} 67663984
            dotnet_gc_last_collection_heap_size_bytes{otel_scope_name="System.Runtime",gc_heap_generation="gen0"} 5605728
            dotnet_gc_pause_time_seconds_total{otel_scope_name="System.Runtime"} 0.074186
            """;
        var after = Before.Replace("gen0\"} 4", "gen0\"} 14", StringComparison.Ordinal)
            .Replace("67663984", "167663984", StringComparison.Ordinal).Replace("0.074186", "0.274186", StringComparison.Ordinal);

        var start = SiloGc.Parse(Before)!;
        var window = SiloGc.Parse(after)!.Minus(start);

        Assert.Equal(new SiloGc(67_663_984, 9, 0.074186), start);
        Assert.Equal((100_000_000L, 10L), (window.AllocatedBytes, window.Collections));
        Assert.Equal(0.2, window.PauseSeconds, 6);
        Assert.Null(SiloGc.Parse("process_cpu_time_seconds_total 1"));
    }
}
