using Sonia.Grains.Actions.Ledger;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Grains.Interfaces.DeadLetters;

namespace Sonia.Grains.Actions;

/// <summary>Creating an action as the replay of a dead letter.</summary>
public sealed partial class ActionGrain
{
    public async Task<SubmitResult> AcceptReplayAsync(DeadLetterView source, string actor)
    {
        if (await LoadAsync() is { } existing)
        {
            return new SubmitResult(existing.ReplayOf == source.ActionId ? SubmitOutcome.Existing : SubmitOutcome.KeyConflict, existing.ToView(), []);
        }

        if (!options.Tools.TryGetValue(source.Tool, out var tool))
        {
            return Invalid($"tool '{source.Tool}' is no longer registered");
        }

        if (Validate(tool, source.Args, out var args) is { Count: > 0 } problems)
        {
            return new SubmitResult(SubmitOutcome.Invalid, null, problems);
        }

        var now = time.GetUtcNow();
        var id = this.GetPrimaryKeyString();
        var submission = new ActionSubmission(null, source.Tool, source.Args, source.IdempotencyKey, actor);

        // The original correlation id and idempotency key travel on: logs join up and the executor can deduplicate.
        var record = new ActionRecord
        {
            ActionId = id,
            Tool = tool.Name,
            Args = args!.ToJsonString(),
            ArgsHash = ActionHashes.Args(tool.Name, args),
            RequestHash = ActionHashes.Request(submission),
            IdempotencyKey = source.IdempotencyKey,
            Status = ActionStatuses.Queued,
            CorrelationId = source.CorrelationId,
            ReplayOf = source.ActionId,
            SubmittedBy = actor,
            CreatedAt = now,
            UpdatedAt = now,
            LeaseUntil = now + options.LeaseDuration,
            Version = 1,
        };

        try
        {
            await WriteAsync(new LedgerChange(record, null,
                [
                    new AuditRow(id, null, ActionStatuses.Accepted, now, actor, source.CorrelationId, $"replay of {source.ActionId} from {source.DlqId}"),
                    new AuditRow(id, ActionStatuses.Accepted, ActionStatuses.Queued, now, System, source.CorrelationId, null),
                    new AuditRow(source.ActionId, ActionStatuses.DeadLettered, ActionStatuses.DeadLettered, now, actor, source.CorrelationId, $"{source.DlqId} replayed as {id}"),
                ],
                Resolution: new DeadLetterResolution(source.DlqId, DeadLetterStatuses.Replayed, now, actor, $"replayed as {id}", id)));
        }
        catch (LedgerConflictException)
        {
            DeactivateOnIdle();
            return new SubmitResult(SubmitOutcome.KeyConflict, null, [$"{source.DlqId} is no longer unresolved"]);
        }

        _loading = Task.CompletedTask;
        LogAccepted(logger, id, record.Tool, record.Status);
        Schedule(TimeSpan.Zero);
        return new SubmitResult(SubmitOutcome.Accepted, record.ToView(), []);
    }
}
