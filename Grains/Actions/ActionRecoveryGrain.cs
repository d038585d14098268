using Microsoft.Extensions.Logging;
using Sonia.Grains.Actions.Ledger;
using Sonia.Grains.Actions.Tools;
using Sonia.Grains.Interfaces.Actions;

namespace Sonia.Grains.Actions;

/// <inheritdoc cref="IActionRecoveryGrain"/>
/// <remarks>
/// One reminder for the cluster instead of one per action: a per-action reminder would cost two commits per
/// action (register, unregister) that the ledger cannot batch. An action's lease names the silo instance that holds
/// it and says when that owner next writes. <see cref="DeadSiloWatcher"/> calls <see cref="ResumeOrphansAsync"/> as
/// soon as membership declares a silo dead; a lease that ran out is the backstop the sweep still catches.
/// Resuming is always safe: an action grain is a single activation, and one that is still running ignores it.
/// </remarks>
public sealed partial class ActionRecoveryGrain(
    ActionReader reader,
    Sonia.Grains.Retention.RetentionPurger purger,
    ActionsOptions options,
    IClusterMembershipService membership,
    TimeProvider time,
    ILogger<ActionRecoveryGrain> logger) : Grain, IActionRecoveryGrain, IRemindable
{
    private const string ReminderName = "recovery-sweep";
    private const int SweepLimit = 500;

    public async Task EnsureStartedAsync()
    {
        await this.RegisterOrUpdateReminder(ReminderName, options.RecoveryInterval, options.RecoveryInterval);
    }

    public async Task<int> ResumeOrphansAsync()
    {
        var snapshot = membership.CurrentSnapshot;
        var resumed = 0;
        foreach (var owner in await reader.LeaseOwnersAsync())
        {
            if (SiloLiveness.IsGone(owner, snapshot))
            {
                var ids = await reader.LeasedByAsync(owner, SweepLimit);
                await ResumeAllAsync(ids);
                LogOrphansResumed(logger, ids.Count, owner);
                resumed += ids.Count;
            }
        }

        return resumed;
    }

    public async Task<int> SweepAsync()
    {
        var ids = await reader.RecoverableAsync(time.GetUtcNow(), SweepLimit);
        await ResumeAllAsync(ids);
        if (ids.Count > 0)
        {
            LogResumed(logger, ids.Count);
        }

        // A watcher's call that failed (the database was down when membership changed) is made good here.
        await ResumeOrphansAsync();

        // Retention rides on the same reminder: off the request path, in bounded batches, after the resumes.
        try
        {
            var purged = await purger.PurgeAsync(time.GetUtcNow());
            if (purged.Total > 0)
            {
                LogPurged(logger, purged.DeadLetters, purged.Actions, purged.Executions, purged.Sessions);
            }
        }
        catch (System.Data.Common.DbException ex)
        {
            LogPurgeFailed(logger, ex);
        }

        return ids.Count;
    }

    private async Task ResumeAllAsync(IReadOnlyList<string> ids)
    {
        foreach (var chunk in ids.Chunk(16))
        {
            await Task.WhenAll(chunk.Select(id => GrainFactory.GetGrain<IActionGrain>(id).ResumeAsync()));
        }
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == ReminderName)
        {
            await SweepAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Retention deleted {DeadLetters} dead letter(s), {Actions} action(s), {Executions} execution record(s), {Sessions} idle session(s)")]
    private static partial void LogPurged(ILogger logger, int deadLetters, int actions, int executions, int sessions);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Retention purge failed; the next sweep tries again")]
    private static partial void LogPurgeFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Resumed {Count} unfinished action(s) leased by silo {Owner}, which is no longer alive")]
    private static partial void LogOrphansResumed(ILogger logger, int count, string owner);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recovery sweep resumed {Count} unfinished action(s)")]
    private static partial void LogResumed(ILogger logger, int count);
}
