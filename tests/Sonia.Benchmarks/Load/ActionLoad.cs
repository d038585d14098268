using System.Diagnostics;

namespace Sonia.Benchmarks.Load;

/// <summary>
/// N load clients (<see cref="EchoClient"/> over HTTP, or <see cref="ClusterEchoClient"/> through an Orleans client):
/// a warm-up (JIT, connection pools, grain directory), then the measured window, then a bounded drain in which the
/// actions in flight end but no new one starts.
/// </summary>
public sealed class ActionLoad(int clients, TimeSpan warmup, TimeSpan duration, ActionLoad.ClientFactory newClient)
{
    /// <summary>Makes one client: the window it counts in, the shared progress, and the next action number.</summary>
    public delegate ILoadClient ClientFactory(MeasurementWindow window, LoadProgress progress, Func<long> nextNumber);

    /// <summary>How long actions in flight get to end after the window; one still running then is counted unfinished.</summary>
    public static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(15);

    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(5);

    public async Task<ActionLoadResult> RunAsync(IReadOnlyList<IWindowProbe> probes, CancellationToken cancellationToken)
    {
        var window = MeasurementWindow.After(warmup, duration);
        long number = 0;
        var progress = new LoadProgress();
        var team = Enumerable.Range(0, clients)
            .Select(_ => newClient(window, progress, () => Interlocked.Increment(ref number)))
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

/// <summary>One client of a load: at most one action in flight, counted in its own tally.</summary>
public interface ILoadClient
{
    ClientTally Tally { get; }

    /// <param name="stopStarting">Cancelled when the window ends: finish the action in flight, start no other.</param>
    /// <param name="hardStop">Cancelled when the drain time is up: give up on the action in flight.</param>
    Task RunAsync(CancellationToken stopStarting, CancellationToken hardStop);
}

public sealed record ActionLoadResult(int Clients, double Seconds, ClientTally Tally)
{
    public double AcceptedPerSecond => Tally.Accepted / Seconds;

    public double CompletedPerSecond => Tally.Succeeded / Seconds;
}
