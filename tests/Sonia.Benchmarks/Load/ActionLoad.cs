using System.Diagnostics;
using Sonia.Grains.Interfaces.Actions;

namespace Sonia.Benchmarks.Load;

/// <summary>
/// N load clients (<see cref="EchoClient"/> over HTTP, or <see cref="ClusterEchoClient"/> through an Orleans client):
/// a warm-up (JIT, connection pools, grain directory), then the measured window, then a bounded drain in which the
/// actions in flight end but no new one starts.
/// </summary>
public sealed class ActionLoad(int clients, TimeSpan warmup, TimeSpan duration, ActionLoad.ClientFactory newClient,
    TimeSpan pace = default)
{
    /// <summary>Makes one client: the window it counts in, the shared progress, and the next action number.</summary>
    public delegate LoadClient ClientFactory(MeasurementWindow window, LoadProgress progress, Func<long> nextNumber);

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
        // Paced clients start spread over one pace, so the submissions are spread evenly, not in bursts.
        var running = team.Select((c, i) => Task.Run(() => c.RunAsync(pace, pace * i / clients, stopStarting.Token, hardStop.Token),
            CancellationToken.None)).ToList();
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

/// <summary>
/// One client of a load: submits an auto-run <c>echo</c> action, waits for its end, starts the next one. At most one
/// action in flight; counts in its own tally what happened inside the window (and errors over the whole run).
/// </summary>
public abstract class LoadClient(MeasurementWindow window, LoadProgress progress)
{
    // A failing server answers at once; without a pause the client would spin on errors and flood the log counts.
    private static readonly TimeSpan ErrorPause = TimeSpan.FromMilliseconds(100);

    public ClientTally Tally { get; } = new();

    /// <param name="pace">Zero: start the next action as soon as one ends. Otherwise one start per pace, on a fixed schedule
    /// (a late start does not move the next one); latencies count from the scheduled time.</param>
    /// <param name="offset">When the first scheduled start is, after now.</param>
    /// <param name="stopStarting">Cancelled when the window ends: finish the action in flight, start no other.</param>
    /// <param name="hardStop">Cancelled when the drain time is up: give up on the action in flight.</param>
    public async Task RunAsync(TimeSpan pace, TimeSpan offset, CancellationToken stopStarting, CancellationToken hardStop)
    {
        var next = Stopwatch.GetTimestamp() + (long)(offset.TotalSeconds * Stopwatch.Frequency);
        var step = (long)(pace.TotalSeconds * Stopwatch.Frequency);
        while (!stopStarting.IsCancellationRequested && !hardStop.IsCancellationRequested)
        {
            try
            {
                long? scheduled = null;
                if (step > 0)
                {
                    var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, stopStarting);
                    }

                    scheduled = next;
                    next += step;
                }

                if (!await RunOneAsync(scheduled, hardStop))
                {
                    await Task.Delay(ErrorPause, hardStop);
                }
            }
            catch (OperationCanceledException) when (stopStarting.IsCancellationRequested && !hardStop.IsCancellationRequested)
            {
                // The window ended while waiting for the next scheduled start: nothing was in flight.
                return;
            }
            catch (OperationCanceledException) when (hardStop.IsCancellationRequested)
            {
                Tally.Unfinished++;
                return;
            }
        }
    }

    /// <returns>The new action's id, or null after an error (counted).</returns>
    protected abstract Task<string?> SubmitAsync(CancellationToken hardStop);

    /// <returns>The action's terminal status, or null after an error (counted); each read counts with <see cref="CountRead"/>.</returns>
    protected abstract Task<string?> WaitUntilTerminalAsync(string actionId, CancellationToken hardStop);

    /// <summary>One read of the action's status (a poll, a long-poll, a <c>WaitAsync</c>) about to be sent.</summary>
    protected void CountRead()
    {
        if (window.Contains(Stopwatch.GetTimestamp()))
        {
            Tally.PollsInWindow++;
        }
    }

    /// <returns>False after an error.</returns>
    private async Task<bool> RunOneAsync(long? scheduled, CancellationToken hardStop)
    {
        var submitted = scheduled ?? Stopwatch.GetTimestamp();
        var actionId = await SubmitAsync(hardStop);
        if (actionId is null)
        {
            return false;
        }

        var accepted = Stopwatch.GetTimestamp();
        progress.Accepted();
        Tally.Started++;
        if (window.Contains(accepted))
        {
            Tally.Accepted++;
            Tally.AcceptLatency.Add(Stopwatch.GetElapsedTime(submitted, accepted).TotalMilliseconds);
        }

        var status = await WaitUntilTerminalAsync(actionId, hardStop);
        if (status is null)
        {
            return false;
        }

        var ended = Stopwatch.GetTimestamp();
        if (status != ActionStatuses.Succeeded)
        {
            ClientTally.Count(Tally.FailedOutcomes, status);
            return true;
        }

        progress.Succeeded();
        if (window.Contains(ended))
        {
            Tally.Succeeded++;
            Tally.CompleteLatency.Add(Stopwatch.GetElapsedTime(submitted, ended).TotalMilliseconds);
        }

        return true;
    }
}

public sealed record ActionLoadResult(int Clients, double Seconds, ClientTally Tally)
{
    public double AcceptedPerSecond => Tally.Accepted / Seconds;

    public double CompletedPerSecond => Tally.Succeeded / Seconds;
}
