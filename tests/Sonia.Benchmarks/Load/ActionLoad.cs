using System.Diagnostics;

namespace Sonia.Benchmarks.Load;

/// <summary>
/// N <see cref="EchoClient"/>s against one gateway: a warm-up (JIT, connection pools, grain directory), then the
/// measured window, then a bounded drain in which the actions in flight end but no new one starts.
/// </summary>
public sealed class ActionLoad(HttpClient http, int clients, TimeSpan warmup, TimeSpan duration, TimeSpan pollDelay, int waitMs = 0)
{
    /// <summary>How long actions in flight get to end after the window; one still running then is counted unfinished.</summary>
    public static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(15);

    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(5);

    public async Task<ActionLoadResult> RunAsync(IReadOnlyList<IWindowProbe> probes, CancellationToken cancellationToken)
    {
        var window = MeasurementWindow.After(warmup, duration);
        long number = 0;
        var progress = new LoadProgress();
        var team = Enumerable.Range(0, clients)
            .Select(_ => new EchoClient(http, window, pollDelay, () => Interlocked.Increment(ref number), progress, waitMs))
            .ToList();

        using var stopStarting = new CancellationTokenSource();
        using var hardStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var stopReporting = new CancellationTokenSource();
        var reporting = progress.ReportAsync(window, ProgressInterval, stopReporting.Token);
        var running = team.Select(c => Task.Run(() => c.RunAsync(stopStarting.Token, hardStop.Token), CancellationToken.None)).ToList();
        try
        {
            await DelayUntilAsync(window.Start, cancellationToken);
            foreach (var probe in probes)
            {
                await probe.AtWindowStartAsync();
            }

            await DelayUntilAsync(window.End, cancellationToken);
            foreach (var probe in probes)
            {
                await probe.AtWindowEndAsync();
            }
        }
        finally
        {
            // Also on Ctrl-C: stop the clients before the caller stops Sonia under them.
            await stopStarting.CancelAsync();
            hardStop.CancelAfter(DrainLimit);
            await Task.WhenAll(running);
            await stopReporting.CancelAsync();
            await reporting;
        }

        return new ActionLoadResult(clients, window.Seconds, ClientTally.Merge(team.Select(c => c.Tally)));
    }

    private static async Task DelayUntilAsync(long timestamp, CancellationToken cancellationToken)
    {
        var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), timestamp);
        if (remaining > TimeSpan.Zero)
        {
            await Task.Delay(remaining, cancellationToken);
        }
    }
}

public sealed record ActionLoadResult(int Clients, double Seconds, ClientTally Tally)
{
    public double AcceptedPerSecond => Tally.Accepted / Seconds;

    public double CompletedPerSecond => Tally.Succeeded / Seconds;
}
