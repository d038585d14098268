using Microsoft.Extensions.Logging;
using Sonia.Grains.Actions.Execution;
using Sonia.Grains.Actions.Ledger;
using Sonia.Grains.Breakers;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Grains.Interfaces.DeadLetters;
using Sonia.Hosting.Logging;

namespace Sonia.Grains.Actions;

/// <summary>Attempts through the executor and its breaker, retries, and the terminal failure with its dead letter.</summary>
public sealed partial class ActionGrain
{
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
        var dlqId = DeadLetterIds.New();
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
        await WriteAsync(new LedgerChange(dead, action.Version,
            [
                new AuditRow(action.ActionId, action.Status, ActionStatuses.Failed, now, System, action.CorrelationId, $"{failureClass}: {message}"),
                new AuditRow(action.ActionId, ActionStatuses.Failed, ActionStatuses.DeadLettered, now, System, action.CorrelationId, dlqId),
            ],
            attempt,
            new DeadLetterRow(dlqId, action.ActionId, action.CorrelationId, failureClass, errorType, message, attempts, action.Tool, action.Args, action.IdempotencyKey, now)));
    }

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
