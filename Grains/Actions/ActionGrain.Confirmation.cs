using Microsoft.Extensions.Logging;
using Sonia.Grains.Actions.Ledger;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Hosting.Correlation;

namespace Sonia.Grains.Actions;

/// <summary>Approve, deny and expire: the confirmation half of the lifecycle.</summary>
public sealed partial class ActionGrain
{
    public async Task<CommandResult> ApproveAsync(string argsHash, string actor, bool enforceFourEyes = true)
    {
        if (await PendingConfirmationAsync() is { } refusal)
        {
            return refusal;
        }

        var action = _action!;
        if (enforceFourEyes && IsSelfApproval(action, actor))
        {
            LogSelfApproval(logger, action.ActionId, actor);
            var why = $"{actor} submitted this action: another key must approve it";
            return new CommandResult(CommandOutcome.SelfApproval, action.ToView(), why);
        }

        if (!string.Equals(argsHash, action.ArgsHash, StringComparison.OrdinalIgnoreCase))
        {
            return new CommandResult(CommandOutcome.HashMismatch, action.ToView(), "args_hash does not match the action's tool and arguments");
        }

        var now = time.GetUtcNow();
        var correlationId = CorrelationId.Current ?? action.CorrelationId;
        var queued = action with
        {
            Status = ActionStatuses.Queued,
            UpdatedAt = now,
            ExpiresAt = null,
            LeaseUntil = now + options.LeaseDuration,
            Version = action.Version + 1,
        };
        await CommitAsync(queued, action,
        [
            new AuditRow(action.ActionId, action.Status, ActionStatuses.Approved, now, actor, correlationId, null),
            new AuditRow(action.ActionId, ActionStatuses.Approved, ActionStatuses.Queued, now, System, correlationId, null),
        ]);
        Schedule(TimeSpan.Zero);
        return new CommandResult(CommandOutcome.Done, queued.ToView(), null);
    }

    public async Task<CommandResult> DenyAsync(string? reason, string actor)
    {
        if (await PendingConfirmationAsync() is { } refusal)
        {
            return refusal;
        }

        var action = _action!;
        var now = time.GetUtcNow();
        var denied = action with { Status = ActionStatuses.Denied, UpdatedAt = now, ExpiresAt = null, Error = reason, Version = action.Version + 1 };
        await CommitAsync(denied, action,
            [new AuditRow(action.ActionId, action.Status, ActionStatuses.Denied, now, actor, CorrelationId.Current ?? action.CorrelationId, reason)]);
        return new CommandResult(CommandOutcome.Done, denied.ToView(), null);
    }

    private async Task ExpireAsync(ActionRecord action)
    {
        var now = time.GetUtcNow();
        var expired = action with
        {
            Status = ActionStatuses.Expired,
            FailureClass = FailureClasses.ConfirmationExpired,
            Error = $"not confirmed by {action.ExpiresAt:O}",
            UpdatedAt = now,
            Version = action.Version + 1,
        };
        await CommitAsync(expired, action,
            [new AuditRow(action.ActionId, action.Status, ActionStatuses.Expired, now, System, action.CorrelationId, expired.Error)]);
    }

    /// <summary>Four-eyes: the submitter may not approve, unless the tool's policy allows it.</summary>
    private bool IsSelfApproval(ActionRecord action, string actor) =>
        string.Equals(action.SubmittedBy, actor, StringComparison.Ordinal)
        && !(options.Tools.TryGetValue(action.Tool, out var tool) && tool.Options.AllowSelfApproval);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Action {ActionId}: approval by its own submitter {Actor} refused (four-eyes)")]
    private static partial void LogSelfApproval(ILogger logger, string actionId, string actor);

    /// <summary>Null when the action awaits confirmation and may still be confirmed; otherwise why not.</summary>
    private async Task<CommandResult?> PendingConfirmationAsync()
    {
        if (await LoadAsync() is not { } action)
        {
            return new CommandResult(CommandOutcome.NotFound, null, "no such action");
        }

        if (action.Status == ActionStatuses.Expired)
        {
            return new CommandResult(CommandOutcome.Expired, action.ToView(), "the confirmation window has passed");
        }

        if (action.Status != ActionStatuses.AwaitingConfirmation)
        {
            return new CommandResult(CommandOutcome.WrongState, action.ToView(), $"the action is {action.Status}, not awaiting confirmation");
        }

        if (time.GetUtcNow() >= action.ExpiresAt)
        {
            await ExpireAsync(action);
            return new CommandResult(CommandOutcome.Expired, _action!.ToView(), "the confirmation window has passed");
        }

        return null;
    }
}
