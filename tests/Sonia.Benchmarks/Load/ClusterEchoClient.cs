using System.Globalization;
using Sonia.Grains.Interfaces.Actions;

namespace Sonia.Benchmarks.Load;

/// <summary>
/// The in-cluster twin of <see cref="EchoClient"/>: submits the same auto-run <c>echo</c> action through an Orleans
/// client, the grain calls the gateway makes for <c>POST /v1/actions</c> (a fresh action id, <c>AcceptAsync</c>), and
/// awaits its end with <c>WaitAsync</c> as <c>GET ?wait_ms=</c> does. No HTTP: the difference from the HTTP figure is
/// what the gateway and HTTP cost.
/// </summary>
public sealed class ClusterEchoClient(
    IClusterClient cluster, MeasurementWindow window, Func<long> nextNumber, LoadProgress progress, int waitMs)
    : LoadClient(window, progress)
{
    /// <summary>The actor the driver's actions are submitted as (the gateway's would be the API key's name).</summary>
    public const string Actor = "load-driver";

    protected override async Task<string?> SubmitAsync(CancellationToken hardStop)
    {
        var args = """{"n":""" + nextNumber().ToString(CultureInfo.InvariantCulture) + "}";
        var actionId = ActionIds.New();
        try
        {
            var submission = new ActionSubmission(null, "echo", args, null, Actor);
            var result = await cluster.GetGrain<IActionGrain>(actionId).AcceptAsync(submission, actionId, hardStop);
            if (result.Outcome == SubmitOutcome.Accepted)
            {
                return actionId;
            }

            ClientTally.Count(Tally.Errors, $"AcceptAsync answered {result.Outcome}");
            return null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !hardStop.IsCancellationRequested)
        {
            ClientTally.Count(Tally.Errors, $"AcceptAsync failed: {ex.GetType().Name}");
            return null;
        }
    }

    protected override async Task<string?> WaitUntilTerminalAsync(string actionId, CancellationToken hardStop)
    {
        var grain = cluster.GetGrain<IActionGrain>(actionId);
        while (true)
        {
            hardStop.ThrowIfCancellationRequested();
            CountRead();
            ActionView? view;
            try
            {
                view = await grain.WaitAsync(waitMs).WaitAsync(hardStop);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !hardStop.IsCancellationRequested)
            {
                ClientTally.Count(Tally.Errors, $"WaitAsync failed: {ex.GetType().Name}");
                return null;
            }

            if (view is null)
            {
                ClientTally.Count(Tally.Errors, "WaitAsync found no action");
                return null;
            }

            if (ActionStatuses.IsTerminal(view.Status))
            {
                return view.Status;
            }
        }
    }
}
