using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sonia.Grains.Actions.Execution;
using Sonia.Grains.Actions.Ledger;
using Sonia.Grains.Actions.Tools;
using Sonia.Grains.Breakers;
using Sonia.Grains.Correlation;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Grains.Interfaces.DeadLetters;
using Sonia.Grains.Storage;
using Sonia.Grains.Telemetry;
using Sonia.Hosting.Correlation;
using Sonia.Hosting.Logging;

namespace Sonia.Grains.Actions;

/// <inheritdoc cref="IActionGrain"/>
/// <remarks>
/// The row in <c>sonia.actions</c> is the state: every transition is committed (with its audit rows) before it
/// is acted on or answered. Attempts run on a grain timer; if the silo dies, <see cref="ActionRecoveryGrain"/> resumes
/// the action elsewhere with the same idempotency key as soon as membership declares the lease's owner dead (or, at
/// the latest, when the lease runs out).
/// </remarks>
public sealed partial class ActionGrain(
    ActionLedger ledger,
    ActionReader reader,
    ActionsOptions options,
    ExecutorRouter executors,
    ICircuitBreakers breakers,
    [FromKeyedServices(ActionClock.Key)] TimeProvider time,
    ILocalSiloDetails silo,
    ILogger<ActionGrain> logger) : Grain, IActionGrain
{
    private const string System = "system";

    private ActionRecord? _action;
    private static readonly TimeSpan MaxRunRetryDelay = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a finished action's activation stays after its last write: long enough for the client's read of the
    /// outcome (a long-poll already waiting, or the GET right after) to cost no query, short enough that finished
    /// actions do not pile up in memory until Orleans' idle collection (15 minutes) takes them.
    /// </summary>
    public static readonly TimeSpan FinishedLinger = TimeSpan.FromSeconds(10);

    private IGrainTimer? _timer;

    /// <summary>Deactivates this activation <see cref="FinishedLinger"/> after the action ended; null until then.</summary>
    private IGrainTimer? _retire;

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

    /// <summary>The trace context of the call that first scheduled work here: the timer runs become its children.</summary>
    private string? _traceParent;

    /// <summary>True when a write found the row changed since it was read: the next run reads it again first.</summary>
    private bool _stale;

    /// <summary>Runs in a row that the database failed; the next one waits a little longer, up to <see cref="MaxRunRetryDelay"/>.</summary>
    private int _failedRuns;

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

    /// <summary>Forgets what this activation knew of the action, reads the committed row and resumes from it.</summary>
    private async Task ReloadAsync()
    {
        var action = await reader.FindAsync(this.GetPrimaryKeyString());
        (_stale, _action, _audit, _attempts) = (false, action, null, null);
        _loading = Task.CompletedTask;
        LogReloaded(logger, this.GetPrimaryKeyString(), action?.Status);
        if (action is null || ActionStatuses.IsTerminal(action.Status))
        {
            _ended?.TrySetResult();
            return;
        }

        ScheduleResume(action);
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
        _traceParent ??= Activity.Current?.Id;
        _running = keepAlive;
        _timer = this.RegisterGrainTimer(RunAsync, new GrainTimerCreationOptions(delay, Timeout.InfiniteTimeSpan) { KeepAlive = keepAlive });
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        _timer = null;
        try
        {
            if (_stale)
            {
                if (_action is { } known)
                {
                    CorrelationOutgoingFilter.Restore(known.CorrelationId);
                }

                await ReloadAsync();
                return;
            }

            if (_action is not { } action)
            {
                return;
            }

            // Work a reminder or timer started carries no RequestContext: restore the action's own correlation id.
            CorrelationOutgoingFilter.Restore(action.CorrelationId);
            using var span = SoniaActivities.StartActionRun(action, _traceParent);
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
            // The row moved on since we read it: most often our own commit whose answer the database lost, sometimes
            // another writer. Read it again at once and carry on from what is committed, rather than leave the action
            // (whose lease names this live silo) to the recovery sweep when its lease runs out.
            _stale = true;
            Schedule(TimeSpan.Zero);
            return;
        }
        catch (Exception ex) when (TransientDatabase.IsTransient(ex))
        {
            // The database went away mid-run. Nothing half-written became this activation's state (a change is adopted
            // only once committed), so the run is tried again from the last committed state within seconds of the
            // database's return, not when the lease runs out; a resumed attempt carries the same idempotency key.
            var delay = TimeSpan.FromMilliseconds(Math.Min(MaxRunRetryDelay.TotalMilliseconds, 250 * Math.Pow(2, _failedRuns++)));
            LogRunRetried(logger, _action?.ActionId, delay.TotalSeconds, ex);
            Schedule(delay);
            return;
        }
        finally
        {
            _running = _timer is not null;
        }

        _failedRuns = 0;
    }

    /// <summary>
    /// A finished action leaves memory: its row, trail and attempts are committed, so a later read activates it again
    /// from SQL. Not while work is scheduled here (a replay or a repair may have started one since).
    /// </summary>
    private Task RetireAsync()
    {
        _retire?.Dispose();
        _retire = null;
        if (_action is { } action && ActionStatuses.IsTerminal(action.Status) && !_running && _timer is null)
        {
            DeactivateOnIdle();
        }

        return Task.CompletedTask;
    }

    private Task CommitAsync(ActionRecord next, ActionRecord previous, IReadOnlyList<AuditRow> audits, AttemptRow? attempt = null) =>
        WriteAsync(new LedgerChange(next, previous.Version, audits, attempt));

    /// <summary>
    /// Commits a change of this action, then makes it this activation's state. A new action starts its history only
    /// once its insert is committed, so an insert that failed (a duplicate, a refusal) never leaves an empty trail.
    /// </summary>
    /// <param name="refuseWhenBusy">A client's submission: refused when the ledger is saturated, dropped once cancelled.</param>
    private async Task WriteAsync(LedgerChange change, bool refuseWhenBusy = false, CancellationToken cancellationToken = default)
    {
        // A lease names this silo instance: when membership declares it dead, the recovery grain resumes the action at once.
        if (change.Action is { LeaseUntil: not null } leased)
        {
            change = change with { Action = leased with { LeaseOwner = silo.SiloAddress.ToParsableString() } };
        }

        if (refuseWhenBusy)
        {
            await ledger.WriteNewAsync(change, cancellationToken);
        }
        else
        {
            await ledger.WriteAsync(change);
        }

        var id = this.GetPrimaryKeyString();
        if (change is { IsInsert: true, Action: { } created } && created.ActionId == id)
        {
            (_audit, _attempts) = ([], []);
        }

        _action = change.Action ?? _action;
        SoniaMetrics.ActionWritten(change.Action);
        if (_action is { } now && ActionStatuses.IsTerminal(now.Status))
        {
            _ended?.TrySetResult();
            _retire ??= this.RegisterGrainTimer(
                static (grain, _) => grain.RetireAsync(),
                this,
                new GrainTimerCreationOptions(FinishedLinger, Timeout.InfiniteTimeSpan) { KeepAlive = false });
            NotifySessionOfEnd(change.Action);
        }

        _audit?.AddRange(change.Audits.Where(a => a.ActionId == id).Select(a => new AuditEntry(a.From, a.To, a.At, a.Actor, a.CorrelationId, a.Detail)));
        if (change.Attempt is { } attempt && _attempts is not null)
        {
            _attempts.RemoveAll(a => a.Attempt == attempt.Attempt);
            _attempts.Add(new AttemptView(attempt.Attempt, attempt.StartedAt, attempt.FinishedAt, attempt.Outcome, attempt.FailureClass, attempt.Error));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Action {ActionId} ({Tool}) accepted as {Status}")]
    private static partial void LogAccepted(ILogger logger, string actionId, string tool, string status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Action {ActionId}: its row changed since it was read; read again, it is {Status}")]
    private static partial void LogReloaded(ILogger logger, string actionId, string? status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Action {ActionId}: the database failed mid-run; the run is tried again in {DelaySeconds} s")]
    private static partial void LogRunRetried(ILogger logger, string? actionId, double delaySeconds, Exception exception);
}
