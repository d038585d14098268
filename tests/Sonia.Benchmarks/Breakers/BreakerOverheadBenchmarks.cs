using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Microsoft.Extensions.Configuration;
using Sonia.Grains.Breakers;

namespace Sonia.Benchmarks.Breakers;

/// <summary>
/// Calls through an adapter with the circuit-breaker check and without, in one run, with the ratio of each pair
/// (goal: under 5% overhead). The gate is the real <see cref="CircuitBreakers"/> with the default policies; its
/// channel is <see cref="InProcessBreakerChannel"/>: the real gate and the real state machine minus the network hop
/// to the grain. As in a silo, <see cref="CircuitBreakers.FlushAsync"/> runs every 200 ms in the background.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class BreakerOverheadBenchmarks
{
    private const string Dependency = "executor";
    private const string Http = "Http";
    private const string InProcess = "InProcess";

    private CircuitBreakers _breakers = null!;
    private CancellationTokenSource? _stopFlushing;
    private Task _flushing = Task.CompletedTask;
    private LoopbackExecutor? _executor;

    // The calls handed to the gate, made once: a lambda per call would add an allocation the gate does not cause.
    private Func<CancellationToken, ValueTask<int>> _httpCall = null!;
    private Func<CancellationToken, ValueTask<int>> _inProcessCall = null!;
    private int _counter;

    [GlobalSetup(Targets = [nameof(Http_Direct), nameof(Http_ThroughBreaker)])]
    public async Task SetupHttpAsync()
    {
        _executor = await LoopbackExecutor.StartAsync();
        _httpCall = _executor.CallAsync;
        StartGate();

        // First use: the gate subscribes and loads the snapshot; the client opens its connection.
        await _breakers.ExecuteAsync(Dependency, _httpCall, CancellationToken.None);
    }

    [GlobalSetup(Targets = [nameof(InProcess_Direct), nameof(InProcess_ThroughBreaker)])]
    public async Task SetupInProcessAsync()
    {
        _inProcessCall = InProcessAdapterAsync;
        StartGate();
        await _breakers.ExecuteAsync(Dependency, _inProcessCall, CancellationToken.None);
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        if (_stopFlushing is not null)
        {
            await _stopFlushing.CancelAsync();
            await _flushing;
            _stopFlushing.Dispose();
            await _breakers.FlushAsync();
        }

        if (_executor is not null)
        {
            await _executor.DisposeAsync();
        }
    }

    /// <summary>The realistic adapter call: one POST to a loopback HTTP executor.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory(Http)]
    public ValueTask<int> Http_Direct() => _httpCall(CancellationToken.None);

    [Benchmark, BenchmarkCategory(Http)]
    public ValueTask<int> Http_ThroughBreaker() => _breakers.ExecuteAsync(Dependency, _httpCall, CancellationToken.None);

    /// <summary>The worst case: an adapter call that costs next to nothing, so the check is all there is.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory(InProcess)]
    public ValueTask<int> InProcess_Direct() => _inProcessCall(CancellationToken.None);

    [Benchmark, BenchmarkCategory(InProcess)]
    public ValueTask<int> InProcess_ThroughBreaker() => _breakers.ExecuteAsync(Dependency, _inProcessCall, CancellationToken.None);

    /// <summary>A trivial adapter: completes synchronously, with a little work on a field the JIT cannot drop.</summary>
    private async ValueTask<int> InProcessAdapterAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var n = Interlocked.Increment(ref _counter);
        return await ValueTask.FromResult((n * 31) ^ (n >> 3));
    }

    private void StartGate()
    {
        // The default policies: the same as a silo with no Sonia:Breakers section.
        var options = BreakersOptions.Bind(new ConfigurationBuilder().Build());
        var channel = new InProcessBreakerChannel(options, TimeProvider.System);
        _breakers = new CircuitBreakers(options, channel, TimeProvider.System);
        _stopFlushing = new CancellationTokenSource();
        var stopping = _stopFlushing.Token;
        _flushing = Task.Run(() => FlushEveryAsync(options.FlushInterval, stopping), CancellationToken.None);
    }

    /// <summary>What the silo's BreakerFlushService does: send the counted outcomes every flush interval.</summary>
    private async Task FlushEveryAsync(TimeSpan interval, CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                await _breakers.FlushAsync();
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // GlobalCleanup.
        }
    }
}
