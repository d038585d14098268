using Microsoft.Extensions.Logging;
using Sonia.Grains.Interfaces.Actions;

namespace Sonia.Grains.Actions;

/// <summary>Whether the silo instance named by a lease is still alive, by this silo's view of membership.</summary>
public static class SiloLiveness
{
    /// <summary>
    /// True when <paramref name="owner"/> (a <see cref="SiloAddress.ToParsableString"/>) is declared dead, is no longer in the
    /// table, or is an earlier incarnation of a silo now active on the same endpoint (a single silo that restarted).
    /// </summary>
    public static bool IsGone(string owner, ClusterMembershipSnapshot snapshot)
    {
        SiloAddress address;
        try
        {
            address = SiloAddress.FromParsableString(owner);
        }
        catch (FormatException)
        {
            return true;
        }

        return snapshot.GetSiloStatus(address) switch
        {
            SiloStatus.Dead or SiloStatus.None => true,
            _ => snapshot.Members.Values.Any(m => m.Status == SiloStatus.Active
                && m.SiloAddress.Endpoint.Equals(address.Endpoint) && m.SiloAddress.Generation > address.Generation),
        };
    }
}

/// <summary>
/// Follows membership on every silo: when a silo is declared dead (and once when this silo becomes active, which
/// covers a restarted single silo), asks the recovery grain to resume the work that silo's leases held.
/// </summary>
public sealed partial class DeadSiloWatcher(IClusterMembershipService membership, IGrainFactory grains, ILogger<DeadSiloWatcher> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);
    private const int MaxTries = 10;

    private readonly CancellationTokenSource _stopping = new();
    private Task _watching = Task.CompletedTask;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(DeadSiloWatcher), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    private Task StartAsync(CancellationToken cancellationToken)
    {
        _watching = Task.Run(() => WatchAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _watching.WaitAsync(cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        var known = new HashSet<SiloAddress>();
        var first = true;
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(cancellationToken))
            {
                var dead = snapshot.Members.Values.Where(m => m.Status == SiloStatus.Dead).Select(m => m.SiloAddress).ToList();
                var newlyDead = dead.Where(known.Add).ToList();
                if (first || newlyDead.Count > 0)
                {
                    first = false;
                    LogMembershipChanged(logger, newlyDead.Count, string.Join(", ", newlyDead));
                    await ResumeOrphansAsync(cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The silo is stopping.
        }
    }

    private async Task ResumeOrphansAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; !cancellationToken.IsCancellationRequested; attempt++)
        {
            try
            {
                await grains.GetGrain<IActionRecoveryGrain>(IActionRecoveryGrain.ClusterKey).ResumeOrphansAsync();
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException && attempt < MaxTries)
            {
                // The grain directory may still route a dead silo's grain there for a moment, or the database may be down.
                LogRetry(logger, attempt, ex);
                await Task.Delay(RetryDelay, cancellationToken);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The recovery sweep's next run resumes what this could not.
                LogGaveUp(logger, attempt, ex);
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Membership changed: {Count} silo(s) newly declared dead ({Silos}); resuming their work")]
    private static partial void LogMembershipChanged(ILogger logger, int count, string silos);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Resuming the work of dead silos failed (attempt {Attempt}); retrying")]
    private static partial void LogRetry(ILogger logger, int attempt, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Resuming the work of dead silos failed {Attempt} times; the recovery sweep will")]
    private static partial void LogGaveUp(ILogger logger, int attempt, Exception exception);
}
