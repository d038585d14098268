using BenchmarkDotNet.Attributes;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Sonia.Grains.Actions.Ledger;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Grains.Telemetry;
using Sonia.Hosting.Telemetry;

namespace Sonia.Benchmarks.Telemetry;

/// <summary>
/// What recording a Sonia metric costs the code that records it, with the OpenTelemetry SDK listening (as in a silo):
/// the calls the action grain and the ledger make on every write and every batch.
/// </summary>
[MemoryDiagnoser]
public class MetricsRecordingBenchmarks
{
    private MeterProvider? _provider;
    private ActionRecord _executing = null!;
    private ActionRecord _succeeded = null!;

    [GlobalSetup]
    public void Setup()
    {
        _provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(SoniaTelemetry.SourceName)
            .AddReader(new BaseExportingMetricReader(new DiscardingExporter()))
            .Build();
        var now = DateTimeOffset.UtcNow;
        _executing = new ActionRecord
        {
            ActionId = "act_bench", Tool = "echo", Args = "{}", ArgsHash = "h", RequestHash = "r", IdempotencyKey = "k",
            Status = ActionStatuses.Executing, CorrelationId = "c", CreatedAt = now, UpdatedAt = now,
        };
        _succeeded = _executing with { Status = ActionStatuses.Succeeded, UpdatedAt = now.AddMilliseconds(40) };
    }

    [GlobalCleanup]
    public void Cleanup() => _provider?.Dispose();

    /// <summary>Most writes: a change that ends nothing, so only its status is looked at.</summary>
    [Benchmark]
    public void ActionWritten_NotTerminal() => SoniaMetrics.ActionWritten(_executing);

    /// <summary>The write that ends an action: the counter and the latency histogram, two tags each.</summary>
    [Benchmark]
    public void ActionWritten_Terminal() => SoniaMetrics.ActionWritten(_succeeded);

    /// <summary>Once per ledger transaction.</summary>
    [Benchmark]
    public void LedgerBatch() => SoniaMetrics.LedgerBatch(3);

    private sealed class DiscardingExporter : BaseExporter<Metric>
    {
        public override ExportResult Export(in Batch<Metric> batch) => ExportResult.Success;
    }
}
