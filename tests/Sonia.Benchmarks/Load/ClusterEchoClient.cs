using System.Diagnostics;
using System.Globalization;
using Sonia.Grains.Interfaces.Actions;

namespace Sonia.Benchmarks.Load;

/// <summary>
/// The in-cluster twin of <see cref="EchoClient"/>: submits the same auto-run <c>echo</c> action through an Orleans
/// client, the grain calls the gateway makes for <c>POST /v1/actions</c> (a fresh action id, <c>AcceptAsync</c>), and
/// awaits its end with <c>WaitAsync</c> as <c>GET ?wait_ms=</c> does. No HTTP: the difference from the HTTP figure is
/// what the gateway and HTTP cost.
/// </summary>
public sealed class ClusterEchoClient(IClusterClient cluster, MeasurementWindow window, Func<long> nextNumber, LoadProgress progress, int waitMs)
    : ILoadClient
{
    /// <summary>The actor the driver's actions are submitted as (the gateway's would be the API key's name).</summary>
    public const string Actor = "load-driver";

    private static readonly TimeSpan ErrorPause = TimeSpan.FromMilliseconds(100);

    public ClientTally Tally { get; } = new();

    public async Task RunAsync(CancellationToken stopStarting, CancellationToken hardStop)
    {
        while (!stopStarting.IsCancellationRequested && !hardStop.IsCancellationRequested)
        {
            try
            {
                if (!await RunOneAsync(hardStop))
                {
                    await Task.Delay(ErrorPause, hardStop);
                }
            }
            catch (OperationCanceledException) when (hardStop.IsCancellationRequested)
            {
                Tally.Unfinished++;
                return;
            }
        }
    }

    /// <returns>False after an error (counted).</returns>
    private async Task<bool> RunOneAsync(CancellationToken hardStop)
    {
        var submitted = Stopwatch.GetTimestamp();
        var args = """{"n":""" + nextNumber().ToString(CultureInfo.InvariantCulture) + "}";
        var actionId = ActionIds.New();
        var grain = cluster.GetGrain<IActionGrain>(actionId);
        SubmitResult result;
        try
        {
            result = await grain.AcceptAsync(new ActionSubmission(null, "echo", args, null, Actor), actionId, hardStop);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !hardStop.IsCancellationRequested)
        {
            ClientTally.Count(Tally.Errors, $"AcceptAsync failed: {ex.GetType().Name}");
            return false;
        }

        if (result.Outcome != SubmitOutcome.Accepted)
        {
            ClientTally.Count(Tally.Errors, $"AcceptAsync answered {result.Outcome}");
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

        string status;
        while (true)
        {
            hardStop.ThrowIfCancellationRequested();
            if (window.Contains(Stopwatch.GetTimestamp()))
            {
                Tally.PollsInWindow++;
            }

            ActionView? view;
            try
            {
                view = await grain.WaitAsync(waitMs).WaitAsync(hardStop);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !hardStop.IsCancellationRequested)
            {
                ClientTally.Count(Tally.Errors, $"WaitAsync failed: {ex.GetType().Name}");
                return false;
            }

            if (view is null)
            {
                ClientTally.Count(Tally.Errors, "WaitAsync found no action");
                return false;
            }

            if (ActionStatuses.IsTerminal(view.Status))
            {
                status = view.Status;
                break;
            }
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
