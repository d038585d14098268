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
    Sonia.Grains.DeadLetters.DeadLetterReader deadLetters,
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

        var purged = await deadLetters.PurgeResolvedAsync(time.GetUtcNow() - options.DeadLetterRetention);
        if (purged > 0)
        {
            LogPurged(logger, purged);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} resolved dead letter(s) past their retention")]
    private static partial void LogPurged(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recovery sweep resumed {Count} unfinished action(s)")]
    private static partial void LogResumed(ILogger logger, int count);
}
