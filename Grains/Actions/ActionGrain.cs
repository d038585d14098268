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

    /// <summary>
    /// The audit trail and attempt log as this activation knows them: loaded once, then kept current by every
    /// write, so polling an action costs no query. Null until first needed.
    /// </summary>
    private List<AuditEntry>? _audit;
    private List<AttemptView>? _attempts;

    /// <summary>Completed when the action reaches a terminal state; created by the first waiter.</summary>
    private TaskCompletionSource? _ended;

    /// <summary>True while an attempt runs or one is scheduled in this activation.</summary>
    private bool _running;

    /// <summary>The one read of the row in this activation; a fresh action id (a submission) skips it.</summary>
    private Task? _loading;

    /// <summary>The current state of the action, or null when there is none.</summary>
    private async Task<ActionRecord?> LoadAsync()
    {
        var loading = _loading ??= LoadCoreAsync();
        try
        {
            await loading;
        }
        catch (Exception) when (ReferenceEquals(_loading, loading))
        {
            // The database did not answer: let the next call try again rather than keep the failure.
            _loading = null;
            throw;
        }

        return _action;
    }

    private async Task LoadCoreAsync()
    {
        _action = await reader.FindAsync(this.GetPrimaryKeyString());

        // This activation is the only one: unfinished work found here has no other owner left.
        if (_action is { } action && !ActionStatuses.IsTerminal(action.Status) && !_running)
        {
            ScheduleResume(action);
        }
    }

    public async Task<SubmitResult> AcceptAsync(ActionSubmission submission, string idempotencyKey)
    {
        var requestHash = ActionHashes.Request(submission);

        // Ids are minted fresh for each submission, so the row almost never exists: rather than read first,
        // let the insert's primary key say so, and read only then.
        if (_loading is not null && await LoadAsync() is { } existing)
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
            SubmittedBy = submission.Actor,
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
            StartHistory();
            await WriteAsync(new LedgerChange(record, null,
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
        catch (DuplicateActionException)
        {
            _loading = null;
            return await LoadAsync() is { } stored ? SameRequest(stored, requestHash) : Invalid("the action id is in use");
        }

        _loading = Task.CompletedTask;

        LogAccepted(logger, record.ActionId, record.Tool, record.Status);
        // Queued: run now. Awaiting confirmation: expire on time while active; the recovery sweep covers a restart.
        Schedule(confirm ? record.ExpiresAt!.Value - now : TimeSpan.Zero, keepAlive: !confirm);

        return new SubmitResult(SubmitOutcome.Accepted, record.ToView(), []);
    }

    public async Task<ActionView?> GetAsync()
    {
        if (await LoadAsync() is not { } action)
        {
            return null;
        }

        if (_audit is not null && _attempts is not null && action.Status != ActionStatuses.DeadLettered)
        {
            return action.ToView() with { Audit = _audit.ToList(), AttemptLog = _attempts.ToList() };
        }

        // A dead-lettered action's trail also grows from elsewhere (replay, discard), so it is read from SQL.
        // A write that lands while we read makes the result one row short: keep it only if none did.
        var audit = await reader.AuditAsync(action.ActionId);
        var attempts = await reader.AttemptsAsync(action.ActionId);
        if (ReferenceEquals(_action, action) && action.Status != ActionStatuses.DeadLettered)
        {
            (_audit, _attempts) = ([.. audit], [.. attempts]);
        }

        return action.ToView() with { Audit = audit, AttemptLog = attempts };
    }

    public async Task<ActionView?> WaitAsync(int waitMs)
    {
        if (await LoadAsync() is { } action && !ActionStatuses.IsTerminal(action.Status) && waitMs > 0)
        {
            // Waiters share one signal, set by the write that ends the action; no polling inside the grain either.
            _ended ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await Task.WhenAny(_ended.Task, Task.Delay(TimeSpan.FromMilliseconds(waitMs), time));
        }

        return await GetAsync();
    }

    public async Task ResumeAsync()
    {
        if (await LoadAsync() is { } action && !_running && !ActionStatuses.IsTerminal(action.Status))
        {
            ScheduleResume(action);
        }
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

    private Task CommitAsync(ActionRecord next, ActionRecord previous, IReadOnlyList<AuditRow> audits, AttemptRow? attempt = null) =>
        WriteAsync(new LedgerChange(next, previous.Version, audits, attempt));

    /// <summary>Commits a change of this action, then makes it this activation's state.</summary>
    private async Task WriteAsync(LedgerChange change)
    {
        await ledger.WriteAsync(change);
        _action = change.Action ?? _action;
        if (_action is { } now && ActionStatuses.IsTerminal(now.Status))
        {
            _ended?.TrySetResult();
        }

        var id = this.GetPrimaryKeyString();
        _audit?.AddRange(change.Audits.Where(a => a.ActionId == id).Select(a => new AuditEntry(a.From, a.To, a.At, a.Actor, a.CorrelationId, a.Detail)));
        if (change.Attempt is { } attempt && _attempts is not null)
        {
            _attempts.RemoveAll(a => a.Attempt == attempt.Attempt);
            _attempts.Add(new AttemptView(attempt.Attempt, attempt.StartedAt, attempt.FinishedAt, attempt.Outcome, attempt.FailureClass, attempt.Error));
        }
    }

    /// <summary>A new action has no history yet: nothing to load when it is first read.</summary>
    private void StartHistory()
    {
        _audit = [];
        _attempts = [];
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
}
