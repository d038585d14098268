using Microsoft.Extensions.Logging;
using Sonia.Grains.Actions;
using Sonia.Grains.Actions.Ledger;
using Sonia.Grains.Actions.Tools;
using Sonia.Grains.Audit;
using Sonia.Grains.Interfaces.Audit;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Grains.Interfaces.DeadLetters;
using Sonia.Hosting.Correlation;

namespace Sonia.Grains.DeadLetters;

/// <inheritdoc cref="IDeadLetterGrain"/>
/// <remarks>The record is read fresh on every call: SQL is the truth, and the conditional update its guard.</remarks>
public sealed partial class DeadLetterGrain(
    DeadLetterReader reader,
    ActionLedger ledger,
    ActionsOptions actions,
    OperatorAuditLog audit,
    TimeProvider time,
    ILogger<DeadLetterGrain> logger) : Grain, IDeadLetterGrain
{
    public Task<DeadLetterView?> GetAsync() => reader.FindAsync(this.GetPrimaryKeyString());

    public async Task<ReplayResult> ReplayAsync(bool dryRun, string actor)
    {
        if (await reader.FindAsync(this.GetPrimaryKeyString()) is not { } record)
        {
            return new ReplayResult(ReplayOutcome.NotFound, null, null, null);
        }

        var verdict = await VerdictAsync(record);
        if (dryRun)
        {
            return new ReplayResult(ReplayOutcome.DryRun, verdict, null, record);
        }

        if (!verdict.WouldReplay)
        {
            var resolved = record.Status != DeadLetterStatuses.Unresolved;
            return new ReplayResult(resolved ? ReplayOutcome.Conflict : ReplayOutcome.Refused, verdict, record.ReplayActionId, record);
        }

        var result = await GrainFactory.GetGrain<IActionGrain>(ActionIds.New()).AcceptReplayAsync(record, actor);
        var after = await reader.FindAsync(record.DlqId);
        if (result.Outcome != SubmitOutcome.Accepted)
        {
            var reasons = result.Errors.Count > 0 ? result.Errors : ["the replay was refused"];
            var outcome = after?.Status != DeadLetterStatuses.Unresolved ? ReplayOutcome.Conflict : ReplayOutcome.Refused;
            return new ReplayResult(outcome, verdict with { WouldReplay = false, Reasons = reasons }, after?.ReplayActionId, after);
        }

        LogReplayed(logger, record.DlqId, record.ActionId, result.Action!.ActionId, actor);
        await audit.RecordAsync(OperatorOperations.DeadLetterReplay, record.DlqId, actor, $"replayed as {result.Action.ActionId}");
        return new ReplayResult(ReplayOutcome.Replayed, verdict, result.Action.ActionId, after);
    }

    public async Task<ReplayResult> DiscardAsync(string? reason, string actor)
    {
        if (await reader.FindAsync(this.GetPrimaryKeyString()) is not { } record)
        {
            return new ReplayResult(ReplayOutcome.NotFound, null, null, null);
        }

        var now = time.GetUtcNow();
        try
        {
            await ledger.WriteAsync(new LedgerChange(null, null,
                [new AuditRow(record.ActionId, ActionStatuses.DeadLettered, ActionStatuses.DeadLettered, now, actor, CorrelationId.Current ?? record.CorrelationId, $"{record.DlqId} discarded: {reason}")],
                Resolution: new DeadLetterResolution(record.DlqId, DeadLetterStatuses.Discarded, now, actor, reason, null)));
        }
        catch (LedgerConflictException)
        {
            return new ReplayResult(ReplayOutcome.Conflict, null, null, await reader.FindAsync(record.DlqId));
        }

        LogDiscarded(logger, record.DlqId, actor);
        await audit.RecordAsync(OperatorOperations.DeadLetterDiscard, record.DlqId, actor, reason);
        return new ReplayResult(ReplayOutcome.Discarded, null, null, await reader.FindAsync(record.DlqId));
    }

    private async Task<ReplayVerdict> VerdictAsync(DeadLetterView record) =>
        (await ReplayVerdicts.ForAsync(GrainFactory, actions, [record.Tool], time.GetUtcNow())).Judge(record);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dead letter {DlqId} of {ActionId} replayed as {ReplayActionId} by {Actor}")]
    private static partial void LogReplayed(ILogger logger, string dlqId, string actionId, string replayActionId, string actor);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dead letter {DlqId} discarded by {Actor}")]
    private static partial void LogDiscarded(ILogger logger, string dlqId, string actor);
}
