using Microsoft.Extensions.Logging;
using Sonia.Grains.Actions.Ledger;
using Sonia.Grains.Actions.Tools;
using Sonia.Grains.Interfaces.Actions;

namespace Sonia.Grains.Actions;

/// <inheritdoc cref="IActionRecoveryGrain"/>
/// <remarks>
/// One reminder for the cluster instead of one per action: a per-action reminder would cost two commits per
/// action (register, unregister) that the ledger cannot batch. An action's lease says when its owner next
/// writes; a lease that ran out means its silo is gone, and the sweep resumes it with the same idempotency key.
/// </remarks>
public sealed partial class ActionRecoveryGrain(
    ActionReader reader,
    Sonia.Grains.Retention.RetentionPurger purger,
    ActionsOptions options,
    TimeProvider time,
    ILogger<ActionRecoveryGrain> logger) : Grain, IActionRecoveryGrain, IRemindable
{
    private const string ReminderName = "recovery-sweep";
    private const int SweepLimit = 500;

    public async Task EnsureStartedAsync()
    {
        await this.RegisterOrUpdateReminder(ReminderName, options.RecoveryInterval, options.RecoveryInterval);
    }

    public async Task<int> SweepAsync()
    {
        var ids = await reader.RecoverableAsync(time.GetUtcNow(), SweepLimit);
        foreach (var chunk in ids.Chunk(16))
        {
            await Task.WhenAll(chunk.Select(id => GrainFactory.GetGrain<IActionGrain>(id).ResumeAsync()));
        }
        if (ids.Count > 0)
        {
            LogResumed(logger, ids.Count);
        }

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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recovery sweep resumed {Count} unfinished action(s)")]
    private static partial void LogResumed(ILogger logger, int count);
}
