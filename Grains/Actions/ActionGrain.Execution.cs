using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Logging;
using Sonia.Grains.Actions.Execution;
using Sonia.Grains.Actions.Ledger;
using Sonia.Grains.Actions.Tools;
using Sonia.Grains.Breakers;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Grains.Interfaces.Breakers;
using Sonia.Grains.Interfaces.DeadLetters;
using Sonia.Hosting.Logging;

namespace Sonia.Grains.Actions;

/// <summary>Attempts through the executor and its breaker, retries, and the terminal failure with its dead letter.</summary>
public sealed partial class ActionGrain
{
    private async Task AttemptAsync(ActionRecord action)
    {
        if (!options.Tools.TryGetValue(action.Tool, out var tool))
        {
            await FailAsync(action, action.Attempts, FailureClasses.Rejected, nameof(InvalidOperationException), $"tool '{action.Tool}' is no longer registered", null);
            return;
        }

        var attempt = action.Attempts + 1;
        var request = new ExecutionRequest(
            action.ActionId, action.Tool, action.Args, action.IdempotencyKey, action.CorrelationId, attempt, action.SessionId);
        ActionRecord? executing = null;
        AttemptRow? started = null;
        ExceptionDispatchInfo? commitFailure = null;
        CancellationTokenSource? timeout = null;
        using var abandoned = new CancellationTokenSource();
        string? result = null;
        string? failureClass = null;
        Exception? error = null;
        try
        {
            // The attempt is committed inside the breaker's call: only a call the breaker lets through is an attempt,
            // so a refusal (open, isolated, or no half-open permit left) spends none. A failed commit cancels the call,
            // which a closed breaker does not count (a probe hands its permit back as failed, as for any cancellation).
            result = await breakers.ExecuteAsync(tool.BreakerName, async _ =>
            {
                try
                {
                    (executing, started) = await StartAttemptAsync(action, tool, attempt);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    commitFailure = ExceptionDispatchInfo.Capture(ex);
                    await abandoned.CancelAsync();
                    throw new OperationCanceledException(abandoned.Token);
                }

                // The timeout token goes to the executor, not the breaker: a dependency too slow to answer is its failure.
                timeout = new CancellationTokenSource(tool.Options.Timeout, time);
                return await executors.For(tool).ExecuteAsync(request, timeout.Token);
            }, abandoned.Token);
        }
        catch (OperationCanceledException) when (commitFailure is not null)
        {
            commitFailure.Throw();
        }
        catch (BreakerOpenException ex)
        {
            await WaitForBreakerAsync(action, tool, ex.Message, ex.State, ex.OpenUntil);
            return;
        }
        catch (ExecutionFailedException ex)
        {
            (failureClass, error) = (ex.FailureClass, ex);
        }
        catch (OperationCanceledException ex) when (timeout?.IsCancellationRequested == true)
        {
            (failureClass, error) = (FailureClasses.Timeout, new TimeoutException($"no answer within {tool.Options.Timeout}", ex));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            (failureClass, error) = (FailureClasses.Unknown, ex);
        }
        finally
        {
            timeout?.Dispose();
        }

        await FinishAttemptAsync(tool, executing!, started!, result, failureClass, error);
    }

    private async Task<(ActionRecord Executing, AttemptRow Started)> StartAttemptAsync(ActionRecord action, ToolDefinition tool, int attempt)
    {
        var now = time.GetUtcNow();
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
        return (executing, started);
    }

    private async Task FinishAttemptAsync(
        ToolDefinition tool, ActionRecord executing, AttemptRow started, string? result, string? failureClass, Exception? error)
    {
        var attempt = executing.Attempts;
        var finished = time.GetUtcNow();
        var elapsed = (finished - started.StartedAt).TotalMilliseconds;
        if (failureClass is null)
        {
            LogAttempt(executing.ActionId, executing.Tool, attempt, "succeeded", null, elapsed);
            var succeeded = executing with
            {
                Status = ActionStatuses.Succeeded,
                Result = result,
                UpdatedAt = finished,
                ExpiresAt = null,
                LeaseUntil = null,
                Version = executing.Version + 1,
            };
            await CommitAsync(succeeded, executing,
                [new AuditRow(executing.ActionId, ActionStatuses.Executing, ActionStatuses.Succeeded, finished, System, executing.CorrelationId,
                    null)],
                started with { FinishedAt = finished, Outcome = "succeeded" });
            return;
        }

        LogAttempt(executing.ActionId, executing.Tool, attempt, "failed", failureClass, elapsed);
        var message = error!.Message;
        var attemptRow = started with { FinishedAt = finished, Outcome = "failed", FailureClass = failureClass, Error = message };
        var retry = tool.Options.Retry;
        var deadline = executing.ExpiresAt ?? finished + tool.Options.MaxBreakerWait;

        // A failure the breaker has since declared an outage (a failed half-open probe reopened it, or other calls'
        // failures opened it meanwhile), or one it is still probing (half-open: this failure may have been one of its
        // probes, and a single failed probe does not reopen it), is part of that outage: the action waits for the
        // breaker like a refused one, even after its last attempt, rather than let the outage exhaust its attempts.
        // MaxBreakerWait still bounds it.
        if (breakers.Cached(tool.BreakerName) is { } breaker && (Refuses(breaker, finished) || breaker.State == BreakerState.HalfOpen)
            && !retry.NeverRetry.Contains(failureClass, StringComparer.Ordinal) && finished < deadline)
        {
            var next = Min(NextLook(tool, breaker.State, breaker.OpenUntil, finished), deadline);
            await RequeueAsync(executing, attemptRow, failureClass, message, next, deadline,
                $"attempt {attempt} failed ({failureClass}): {message}; the breaker of '{tool.BreakerName}' is {breaker.State}: "
                + $"next attempt at {next:O}; dead-letters as {FailureClasses.BreakerOpen} after {deadline:O}");
            return;
        }

        if (retry.MayRetry(failureClass, attempt))
        {
            var delay = retry.DelayBefore(attempt + 1, Random.Shared);
            await RequeueAsync(executing, attemptRow, failureClass, message, finished + delay, null,
                $"attempt {attempt} failed ({failureClass}): {message}; retry in {delay.TotalMilliseconds:0} ms");
            return;
        }

        await FailAsync(executing, attempt, failureClass, error.GetType().Name, message, attemptRow);
    }

    /// <summary>
    /// The breaker refused the call: no attempt was made, none is spent. The action stays queued, its
    /// <c>next_attempt_at</c> at the breaker's <c>open_until</c> plus jitter and its <c>expires_at</c> at the end of
    /// its MaxBreakerWait, after which it dead-letters as <c>breaker_open</c>.
    /// </summary>
    private async Task WaitForBreakerAsync(
        ActionRecord action, ToolDefinition tool, string reason, BreakerState state, DateTimeOffset? openUntil)
    {
        var now = time.GetUtcNow();
        var deadline = action.ExpiresAt ?? now + tool.Options.MaxBreakerWait;
        if (now >= deadline)
        {
            await FailAsync(action, action.Attempts, FailureClasses.BreakerOpen, nameof(BreakerOpenException),
                $"{reason}; gave up waiting at {deadline:O} (MaxBreakerWait {tool.Options.MaxBreakerWait})", null);
            return;
        }

        var next = Min(NextLook(tool, state, openUntil, now), deadline);
        LogBreakerWait(action.ActionId, action.Tool, tool.BreakerName, next, deadline);
        await RequeueAsync(action, null, FailureClasses.BreakerOpen, reason, next, deadline,
            $"{reason}: waiting until {next:O} without spending an attempt; "
            + $"dead-letters as {FailureClasses.BreakerOpen} after {deadline:O}");
    }

    /// <summary>Back to <c>queued</c> until <paramref name="next"/>; <paramref name="deadline"/>: the breaker wait's end, if one runs.</summary>
    private async Task RequeueAsync(
        ActionRecord current, AttemptRow? attemptRow, string failureClass, string message, DateTimeOffset next, DateTimeOffset? deadline, string detail)
    {
        var now = time.GetUtcNow();
        var queued = current with
        {
            Status = ActionStatuses.Queued,
            FailureClass = failureClass,
            Error = message,
            UpdatedAt = now,
            NextAttemptAt = next,
            ExpiresAt = deadline,
            LeaseUntil = next + options.LeaseDuration,
            Version = current.Version + 1,
        };
        await CommitAsync(queued, current,
            [new AuditRow(current.ActionId, current.Status, ActionStatuses.Queued, now, System, current.CorrelationId, detail)],
            attemptRow);
        Schedule(next > now ? next - now : TimeSpan.Zero);
    }

    private static bool Refuses(BreakerSnapshot breaker, DateTimeOffset now) =>
        breaker.State == BreakerState.Isolated || (breaker.State == BreakerState.Open && breaker.OpenUntil > now);

    /// <summary>
    /// When to ask the breaker again: at <c>open_until</c> plus a jitter of half to all of the tool's backoff base
    /// (at least 1 s), so the actions waiting on one breaker do not all come back at once; an isolated breaker has no
    /// end, so it is asked again after the tool's backoff cap.
    /// </summary>
    private static DateTimeOffset NextLook(ToolDefinition tool, BreakerState state, DateTimeOffset? openUntil, DateTimeOffset now)
    {
        var spread = Math.Max(tool.Options.Retry.BackoffBase.Ticks, TimeSpan.TicksPerSecond);
        var jitter = TimeSpan.FromTicks((long)(spread * (0.5 + (Random.Shared.NextDouble() * 0.5))));
        if (state == BreakerState.Isolated)
        {
            return now + (tool.Options.Retry.BackoffCap > jitter ? tool.Options.Retry.BackoffCap : jitter);
        }

        return (openUntil is { } until && until > now ? until : now) + jitter;
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

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

    private void LogBreakerWait(string actionId, string tool, string breaker, DateTimeOffset next, DateTimeOffset deadline)
    {
        using (logger.BeginScope(LogKinds.Scope(LogKinds.Tool)))
        {
            LogBreakerWaitLine(logger, actionId, tool, breaker, next, deadline);
        }
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Action {ActionId} ({Tool}) waits for the breaker of {Breaker} until {NextAttemptAt} (gives up at {Deadline})")]
    private static partial void LogBreakerWaitLine(
        ILogger logger, string actionId, string tool, string breaker, DateTimeOffset nextAttemptAt, DateTimeOffset deadline);

    [LoggerMessage(Level = LogLevel.Information, Message = "Action {ActionId} ({Tool}) attempt {Attempt} {Outcome} (failure class {FailureClass}) in {DurationMs} ms")]
    private static partial void LogAttemptLine(ILogger logger, string actionId, string tool, int attempt, string outcome, string failureClass, double durationMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Action {ActionId} ({Tool}) failed after {Attempts} attempt(s): {FailureClass}: {Error}; dead letter {DlqId}")]
    private static partial void LogFailedLine(ILogger logger, string actionId, string tool, int attempts, string failureClass, string error, string dlqId);
}
