using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Sonia.Grains.Actions.Execution;
using Sonia.Grains.Actions.Ledger;
using Sonia.Grains.Actions.Tools;
using Sonia.Grains.Breakers;
using Sonia.Grains.Correlation;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Grains.Interfaces.DeadLetters;
using Sonia.Hosting.Correlation;
using Sonia.Hosting.Logging;

namespace Sonia.Grains.Actions;

/// <inheritdoc cref="IActionGrain"/>
/// <remarks>
/// The row in <c>sonia.actions</c> is the state: every transition is committed (with its audit rows) before it
/// is acted on or answered. Attempts run on a grain timer; if the silo dies, the action's lease runs out and
/// the reminder-driven <see cref="ActionRecoveryGrain"/> resumes it elsewhere with the same idempotency key.
/// </remarks>
public sealed partial class ActionGrain(
    ActionLedger ledger,
    ActionReader reader,
    ActionsOptions options,
    ExecutorRouter executors,
    ICircuitBreakers breakers,
    TimeProvider time,
    ILogger<ActionGrain> logger) : Grain, IActionGrain
{
    private const string System = "system";

    private ActionRecord? _action;
    private IGrainTimer? _timer;

    /// <summary>True while an attempt runs or one is scheduled in this activation.</summary>
    private bool _running;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _action = await reader.FindAsync(this.GetPrimaryKeyString(), cancellationToken);

        // This activation is the only one: unfinished work found here has no other owner left.
        if (_action is { } action && !ActionStatuses.IsTerminal(action.Status))
        {
            ScheduleResume(action);
        }
    }

    public async Task<SubmitResult> AcceptAsync(ActionSubmission submission, string idempotencyKey)
    {
        var requestHash = ActionHashes.Request(submission);
        if (_action is { } existing)
        {
            return SameRequest(existing, requestHash);
        }

        if (!options.Tools.TryGetValue(submission.Tool, out var tool))
        {
            return Invalid($"tool '{submission.Tool}' is not registered");
        }

        if (Validate(tool, submission.Args, out var args) is { Count: > 0 } problems)
        {
            return new SubmitResult(SubmitOutcome.Invalid, null, problems);
        }

        var now = time.GetUtcNow();
        var correlationId = CorrelationId.Current ?? CorrelationId.NewSystemId();
        var confirm = tool.Options.RequiresConfirmation;
        var status = confirm ? ActionStatuses.AwaitingConfirmation : ActionStatuses.Queued;
        var record = new ActionRecord
        {
            ActionId = this.GetPrimaryKeyString(),
            SessionId = submission.SessionId,
            Tool = tool.Name,
            Args = args!.ToJsonString(),
            ArgsHash = ActionHashes.Args(tool.Name, args),
            RequestHash = requestHash,
            IdempotencyKey = idempotencyKey,
            Status = status,
            RequiresConfirmation = confirm,
            CorrelationId = correlationId,
            CreatedAt = now,
            UpdatedAt = now,
            ExpiresAt = confirm ? now + (tool.Options.ConfirmationTimeout ?? options.ConfirmationTimeout) : null,
            LeaseUntil = confirm ? null : now + options.LeaseDuration,
            Version = 1,
        };

        try
        {
            await ledger.WriteAsync(new LedgerChange(record, null,
            [
                new AuditRow(record.ActionId, null, ActionStatuses.Accepted, now, submission.Actor, correlationId, $"tool {tool.Name}"),
                new AuditRow(record.ActionId, ActionStatuses.Accepted, status, now, System, correlationId, confirm ? $"confirmation required by {record.ExpiresAt:O}" : null),
            ]));
        }
        catch (DuplicateIdempotencyKeyException)
        {
            // Another activation took the key first: answer as if we had been asked second.
            var winner = await reader.FindSubmissionAsync(idempotencyKey);
            DeactivateOnIdle();
            return winner is null ? Invalid("idempotency key is in use") : SameRequest(winner, requestHash);
        }

        _action = record;
        LogAccepted(logger, record.ActionId, record.Tool, record.Status);
        // Queued: run now. Awaiting confirmation: expire on time while active; the recovery sweep covers a restart.
        Schedule(confirm ? record.ExpiresAt!.Value - now : TimeSpan.Zero, keepAlive: !confirm);

        return new SubmitResult(SubmitOutcome.Accepted, record.ToView(), []);
    }

    public async Task<SubmitResult> AcceptReplayAsync(DeadLetterView source, string actor)
    {
        if (_action is { } existing)
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
            CreatedAt = now,
            UpdatedAt = now,
            LeaseUntil = now + options.LeaseDuration,
            Version = 1,
        };

        try
        {
            await ledger.WriteAsync(new LedgerChange(record, null,
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

        _action = record;
        LogAccepted(logger, id, record.Tool, record.Status);
        Schedule(TimeSpan.Zero);
        return new SubmitResult(SubmitOutcome.Accepted, record.ToView(), []);
    }

    public async Task<ActionView?> GetAsync()
    {
        if (_action is not { } action)
        {
            return null;
        }

        var id = action.ActionId;
        return action.ToView() with { Audit = await reader.AuditAsync(id), AttemptLog = await reader.AttemptsAsync(id) };
    }

    public async Task<CommandResult> ApproveAsync(string argsHash, string actor)
    {
        if (await PendingConfirmationAsync() is { } refusal)
        {
            return refusal;
        }

        var action = _action!;
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

    public Task ResumeAsync()
    {
        if (_action is { } action && !_running && !ActionStatuses.IsTerminal(action.Status))
        {
            ScheduleResume(action);
        }

        return Task.CompletedTask;
    }

    private void ScheduleResume(ActionRecord action)
    {
        var now = time.GetUtcNow();
        var due = action.Status == ActionStatuses.AwaitingConfirmation ? action.ExpiresAt : action.NextAttemptAt;
        Schedule(due is { } at && at > now ? at - now : TimeSpan.Zero, keepAlive: action.Status != ActionStatuses.AwaitingConfirmation);
    }

    /// <param name="keepAlive">False for a long wait (a confirmation): the grain may go idle; the sweep brings it back.</param>
    private void Schedule(TimeSpan delay, bool keepAlive = true)
    {
        _timer?.Dispose();
        _running = keepAlive;
        _timer = this.RegisterGrainTimer(RunAsync, new GrainTimerCreationOptions(delay, Timeout.InfiniteTimeSpan) { KeepAlive = keepAlive });
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        _timer = null;
        try
        {
            if (_action is not { } action)
            {
                return;
            }

            // Work a reminder or timer started carries no RequestContext: restore the action's own correlation id.
            CorrelationOutgoingFilter.Restore(action.CorrelationId);
            switch (action.Status)
            {
                case ActionStatuses.AwaitingConfirmation when time.GetUtcNow() >= action.ExpiresAt:
                    await ExpireAsync(action);
                    break;
                case ActionStatuses.Queued or ActionStatuses.Approved or ActionStatuses.Executing:
                    await AttemptAsync(action);
                    break;
            }
        }
        catch (LedgerConflictException)
        {
            // Someone else wrote this action since we read it: our view is stale, let a fresh activation take over.
            DeactivateOnIdle();
        }
        finally
        {
            _running = _timer is not null;
        }
    }

    private async Task AttemptAsync(ActionRecord action)
    {
        var now = time.GetUtcNow();
        if (!options.Tools.TryGetValue(action.Tool, out var tool))
        {
            await FailAsync(action, action.Attempts, FailureClasses.Rejected, nameof(InvalidOperationException), $"tool '{action.Tool}' is no longer registered", null);
            return;
        }

        var attempt = action.Attempts + 1;
        var executing = action with
        {
            Status = ActionStatuses.Executing,
            Attempts = attempt,
            UpdatedAt = now,
            NextAttemptAt = null,
            LeaseUntil = now + tool.Options.Timeout + options.LeaseDuration,
            Version = action.Version + 1,
        };
        var resumed = action.Status == ActionStatuses.Executing ? " (the previous attempt was interrupted)" : string.Empty;
        var started = new AttemptRow(action.ActionId, attempt, now, null, null, null, null, action.CorrelationId);
        await CommitAsync(executing, action,
            [new AuditRow(action.ActionId, action.Status, ActionStatuses.Executing, now, System, action.CorrelationId, $"attempt {attempt}{resumed}")],
            started);

        var request = new ExecutionRequest(action.ActionId, action.Tool, action.Args, action.IdempotencyKey, action.CorrelationId, attempt, action.SessionId);
        string? result = null;
        string? failureClass = null;
        Exception? error = null;
        using (var timeout = new CancellationTokenSource(tool.Options.Timeout, time))
        {
            try
            {
                // The timeout token goes to the executor, not the breaker: a dependency too slow to answer is its failure.
                result = await breakers.ExecuteAsync(tool.BreakerName, _ => new ValueTask<string>(executors.For(tool).ExecuteAsync(request, timeout.Token)), CancellationToken.None);
            }
            catch (BreakerOpenException ex)
            {
                (failureClass, error) = (FailureClasses.BreakerOpen, ex);
            }
            catch (ExecutionFailedException ex)
            {
                (failureClass, error) = (ex.FailureClass, ex);
            }
            catch (OperationCanceledException ex) when (timeout.IsCancellationRequested)
            {
                (failureClass, error) = (FailureClasses.Timeout, new TimeoutException($"no answer within {tool.Options.Timeout}", ex));
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                (failureClass, error) = (FailureClasses.Unknown, ex);
            }
        }

        var finished = time.GetUtcNow();
        var elapsed = (finished - now).TotalMilliseconds;
        if (failureClass is null)
        {
            LogAttempt(action.ActionId, action.Tool, attempt, "succeeded", null, elapsed);
            var succeeded = executing with { Status = ActionStatuses.Succeeded, Result = result, UpdatedAt = finished, LeaseUntil = null, Version = executing.Version + 1 };
            await CommitAsync(succeeded, executing,
                [new AuditRow(action.ActionId, ActionStatuses.Executing, ActionStatuses.Succeeded, finished, System, action.CorrelationId, null)],
                started with { FinishedAt = finished, Outcome = "succeeded" });
            return;
        }

        LogAttempt(action.ActionId, action.Tool, attempt, "failed", failureClass, elapsed);
        var message = error!.Message;
        var attemptRow = started with { FinishedAt = finished, Outcome = "failed", FailureClass = failureClass, Error = message };
        if (tool.Options.Retry.MayRetry(failureClass, attempt))
        {
            var delay = tool.Options.Retry.DelayBefore(attempt + 1, Random.Shared);
            var next = finished + delay;
            var queued = executing with
            {
                Status = ActionStatuses.Queued,
                FailureClass = failureClass,
                Error = message,
                UpdatedAt = finished,
                NextAttemptAt = next,
                LeaseUntil = next + options.LeaseDuration,
                Version = executing.Version + 1,
            };
            await CommitAsync(queued, executing,
                [new AuditRow(action.ActionId, ActionStatuses.Executing, ActionStatuses.Queued, finished, System, action.CorrelationId, $"attempt {attempt} failed ({failureClass}): {message}; retry in {delay.TotalMilliseconds:0} ms")],
                attemptRow);
            Schedule(delay);
            return;
        }

        await FailAsync(executing, attempt, failureClass, error.GetType().Name, message, attemptRow);
    }

    /// <summary>The terminal failure and its dead letter are one transaction: never one without the other.</summary>
    private async Task FailAsync(ActionRecord action, int attempts, string failureClass, string errorType, string message, AttemptRow? attempt)
    {
        var now = time.GetUtcNow();
        var dlqId = ActionIds.NewDeadLetter();
        var dead = action with
        {
            Status = ActionStatuses.DeadLettered,
            FailureClass = failureClass,
            Error = message,
            DlqId = dlqId,
            UpdatedAt = now,
            NextAttemptAt = null,
            LeaseUntil = null,
            Version = action.Version + 1,
        };
        LogFailed(action.ActionId, action.Tool, attempts, failureClass, message, dlqId);
        await ledger.WriteAsync(new LedgerChange(dead, action.Version,
            [
                new AuditRow(action.ActionId, action.Status, ActionStatuses.Failed, now, System, action.CorrelationId, $"{failureClass}: {message}"),
                new AuditRow(action.ActionId, ActionStatuses.Failed, ActionStatuses.DeadLettered, now, System, action.CorrelationId, dlqId),
            ],
            attempt,
            new DeadLetterRow(dlqId, action.ActionId, action.CorrelationId, failureClass, errorType, message, attempts, action.Tool, action.Args, action.IdempotencyKey, now)));
        _action = dead;
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

    /// <summary>Null when the action awaits confirmation and may still be confirmed; otherwise why not.</summary>
    private async Task<CommandResult?> PendingConfirmationAsync()
    {
        if (_action is not { } action)
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

    private async Task CommitAsync(ActionRecord next, ActionRecord previous, IReadOnlyList<AuditRow> audits, AttemptRow? attempt = null)
    {
        await ledger.WriteAsync(new LedgerChange(next, previous.Version, audits, attempt));
        _action = next;
    }

    private static IReadOnlyList<string> Validate(ToolDefinition tool, string text, out JsonNode? args)
    {
        args = null;
        try
        {
            args = JsonNode.Parse(text);
        }
        catch (JsonException ex)
        {
            return [$"args is not valid JSON: {ex.Message}"];
        }

        if (args is not JsonObject)
        {
            return ["args must be a JSON object"];
        }

        using var document = JsonDocument.Parse(text);
        return tool.Problems(document.RootElement);
    }

    private static SubmitResult SameRequest(ActionRecord existing, string requestHash) =>
        existing.RequestHash == requestHash
            ? new SubmitResult(SubmitOutcome.Existing, existing.ToView(), [])
            : new SubmitResult(SubmitOutcome.KeyConflict, existing.ToView(), ["the idempotency key was used with a different request"]);

    private static SubmitResult Invalid(string problem) => new(SubmitOutcome.Invalid, null, [problem]);

    [LoggerMessage(Level = LogLevel.Information, Message = "Action {ActionId} ({Tool}) accepted as {Status}")]
    private static partial void LogAccepted(ILogger logger, string actionId, string tool, string status);

    private void LogAttempt(string actionId, string tool, int attempt, string outcome, string? failureClass, double durationMs)
    {
        using (logger.BeginScope(LogKinds.Scope(LogKinds.Tool)))
        {
            LogAttemptLine(logger, actionId, tool, attempt, outcome, failureClass ?? "none", Math.Round(durationMs, 1));
        }
    }

    private void LogFailed(string actionId, string tool, int attempts, string failureClass, string error, string dlqId)
    {
        using (logger.BeginScope(LogKinds.Scope(LogKinds.Error)))
        {
            LogFailedLine(logger, actionId, tool, attempts, failureClass, error, dlqId);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Action {ActionId} ({Tool}) attempt {Attempt} {Outcome} (failure class {FailureClass}) in {DurationMs} ms")]
    private static partial void LogAttemptLine(ILogger logger, string actionId, string tool, int attempt, string outcome, string failureClass, double durationMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Action {ActionId} ({Tool}) failed after {Attempts} attempt(s): {FailureClass}: {Error}; dead letter {DlqId}")]
    private static partial void LogFailedLine(ILogger logger, string actionId, string tool, int attempts, string failureClass, string error, string dlqId);
}
