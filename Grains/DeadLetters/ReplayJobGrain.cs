using Microsoft.Extensions.Logging;
using Sonia.Grains.Actions.Tools;
using Sonia.Grains.Correlation;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Grains.Interfaces.DeadLetters;
using Sonia.Grains.Storage;
using Sonia.Grains.Telemetry;
using Sonia.Hosting.Correlation;

namespace Sonia.Grains.DeadLetters;

/// <inheritdoc cref="IReplayJobGrain"/>
/// <remarks>
/// One record per timer tick, the tick period being the rate limit; progress is written after every record. The job
/// walks the queue oldest first by keyset over (created_at, dlq_id), a page at a time, so it covers the whole queue.
/// A reminder brings the job back after a crash; a record replayed just before the crash (but not yet counted) is
/// read again (resolved since the job started), answers "already resolved by this job" and is counted as replayed,
/// so each record is replayed exactly once. A job that cannot run ends as failed, with its reason, and stays so.
/// </remarks>
public sealed partial class ReplayJobGrain(
    [PersistentState(stateName: "replay-job", storageName: SoniaStorage.Name)] IPersistentState<ReplayJobState> state,
    DeadLetterReader reader,
    ActionsOptions actions,
    TimeProvider time,
    ILogger<ReplayJobGrain> logger) : Grain, IReplayJobGrain, IRemindable
{
    private const string ReminderName = "replay-job";
    private const string Replayed = "replayed";
    private const string Skipped = "skipped";
    private const string Failed = "failed";
    private const int PageSize = 100;

    /// <summary>A record the cluster fails to answer for this many ticks in a row is marked failed: a job always ends.</summary>
    private const int MaxTransientRetries = 20;

    private readonly Queue<DeadLetterView> _page = new();
    private int _transientStreak;
    private IGrainTimer? _timer;

    // Outcomes of replay actions that have ended; an ended action never changes again, so it is asked once.
    private readonly Dictionary<string, ActionView> _ended = new(StringComparer.Ordinal);

    private string Actor => $"job:{this.GetPrimaryKeyString()}";

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.RecordExists && state.State.Status == ReplayJobState.Running)
        {
            await StartTickingAsync();
        }
    }

    public async Task<ReplayJobView> StartAsync(ReplayBatchSpec spec)
    {
        if (state.RecordExists)
        {
            return await ViewAsync();
        }

        var now = time.GetUtcNow();
        state.State = new ReplayJobState
        {
            Spec = spec,
            CreatedAt = now,
            Until = now,
            CorrelationId = CorrelationId.Current ?? CorrelationId.NewSystemId(),
        };

        if (ReplayRates.Problem(spec.MaxPerSecond) is { } problem)
        {
            // Refused before anything runs or any reminder exists: the job is recorded as failed, with why.
            await FailAsync(problem);
            return await ViewAsync();
        }

        state.State.Total = await reader.CountReplayableAsync(spec, now);
        await state.WriteStateAsync();
        await this.RegisterOrUpdateReminder(ReminderName, actions.RecoveryInterval, actions.RecoveryInterval);
        LogStarted(logger, this.GetPrimaryKeyString(), state.State.Total, spec.MaxPerSecond);
        await StartTickingAsync();
        return await ViewAsync();
    }

    public async Task<ReplayJobView?> GetAsync() => state.RecordExists ? await ViewAsync() : null;

    public async Task<ReplayJobView?> CancelAsync(string actor)
    {
        if (!state.RecordExists)
        {
            return null;
        }

        if (state.State.Status == ReplayJobState.Running)
        {
            state.State.Status = ReplayJobState.Cancelled;
            state.State.FinishedAt = time.GetUtcNow();
            await FinishAsync();
            LogCancelled(logger, this.GetPrimaryKeyString(), actor, state.State.Done, Total());
        }

        return await ViewAsync();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (state.RecordExists && state.State.Status == ReplayJobState.Running)
        {
            if (_timer is null)
            {
                await StartTickingAsync();
            }

            return;
        }

        // Nothing left to bring back: a reminder outliving its job must not wake it every interval forever.
        await UnregisterAsync();
    }

    private async Task StartTickingAsync()
    {
        var rate = state.State.Spec?.MaxPerSecond ?? 0;
        if (ReplayRates.Problem(rate) is { } problem)
        {
            // A job saved before rates were checked: end it instead of failing at every activation and reminder.
            await FailAsync(problem);
            return;
        }

        _timer = this.RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions(TimeSpan.Zero, ReplayRates.Period(rate)) { KeepAlive = true });
    }

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        var job = state.State;
        if (job.Status != ReplayJobState.Running)
        {
            return;
        }

        var next = await NextAsync(job, cancellationToken);
        if (next is not { } dlqId)
        {
            job.Status = ReplayJobState.Completed;
            job.FinishedAt = time.GetUtcNow();
            await FinishAsync();
            LogCompleted(logger, this.GetPrimaryKeyString(), job.Count(Replayed), job.Count(Skipped), job.Count(Failed));
            return;
        }

        CorrelationOutgoingFilter.Restore(job.CorrelationId);
        ReplayJobItem item;
        try
        {
            var result = await GrainFactory.GetGrain<IDeadLetterGrain>(dlqId).ReplayAsync(dryRun: false, Actor);
            item = result.Outcome switch
            {
                ReplayOutcome.Replayed => new ReplayJobItem(dlqId, Replayed, result.ReplayActionId, null),
                // Resolved by this very job before a crash cut it short: it was replayed, once.
                ReplayOutcome.Conflict when result.Record?.ResolvedBy == Actor && result.Record.Status == DeadLetterStatuses.Replayed
                    => new ReplayJobItem(dlqId, Replayed, result.Record.ReplayActionId, "replayed before a restart"),
                _ => new ReplayJobItem(dlqId, Skipped, result.ReplayActionId, string.Join("; ", result.Verdict?.Reasons ?? ["not found"])),
            };
        }
        catch (Exception ex) when (IsTransient(ex) && ++_transientStreak < MaxTransientRetries)
        {
            // The record's silo died or the database blinked: nothing was decided, so the record stays at the head of
            // the walk and the next tick tries it again. Marking it failed would drop a replayable record from the job.
            LogTransient(logger, this.GetPrimaryKeyString(), dlqId, ex);
            return;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            item = new ReplayJobItem(dlqId, Failed, null, $"{ex.GetType().Name}: {ex.Message}");
        }

        _transientStreak = 0;
        job.Items.Add(item);
        SoniaMetrics.ReplayRecord(item.Outcome);
        if (!job.IsLegacy)
        {
            var taken = _page.Dequeue();
            job.After = new ReplayCursor(taken.CreatedAt, taken.DlqId);
        }

        await state.WriteStateAsync(cancellationToken);
    }

    /// <summary>The next record's id without taking it; null when the walk is over.</summary>
    private async Task<string?> NextAsync(ReplayJobState job, CancellationToken cancellationToken)
    {
        if (job.IsLegacy)
        {
            return job.Done < job.Ids.Count ? job.Ids[job.Done] : null;
        }

        if (_page.Count == 0)
        {
            // Records resolved since the job started are read too: one this job replayed just before a crash is counted.
            var page = await reader.PageAsync(job.Spec!, job.After, job.Until, resolvedSince: job.CreatedAt, PageSize, cancellationToken);
            foreach (var record in page)
            {
                _page.Enqueue(record);
            }
        }

        return _page.TryPeek(out var next) ? next.DlqId : null;
    }

    private static bool IsTransient(Exception exception) =>
        exception is SiloUnavailableException or OrleansMessageRejectionException or TimeoutException
        || TransientDatabase.IsTransient(exception);

    private async Task FailAsync(string reason)
    {
        state.State.Status = ReplayJobState.Failed;
        state.State.Reason = reason;
        state.State.FinishedAt = time.GetUtcNow();
        await FinishAsync();
        LogFailed(logger, this.GetPrimaryKeyString(), reason);
    }

    private async Task FinishAsync()
    {
        _timer?.Dispose();
        _timer = null;
        await state.WriteStateAsync();
        await UnregisterAsync();
    }

    private async Task UnregisterAsync()
    {
        if (await this.GetReminder(ReminderName) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    private int Total() => state.State.IsLegacy ? state.State.Ids.Count : Math.Max(state.State.Total, state.State.Done);

    private async Task<ReplayJobView> ViewAsync()
    {
        var job = state.State;
        var pending = job.Items.Where(i => i.ReplayActionId is { } id && !_ended.ContainsKey(id)).Select(i => i.ReplayActionId!).ToList();
        var current = new Dictionary<string, ActionView>(_ended, StringComparer.Ordinal);
        foreach (var view in await Task.WhenAll(pending.Select(id => GrainFactory.GetGrain<IActionGrain>(id).GetAsync())))
        {
            if (view is not null)
            {
                current[view.ActionId] = view;
                if (ActionStatuses.IsTerminal(view.Status))
                {
                    _ended[view.ActionId] = view;
                }
            }
        }

        var items = job.Items.Select(i => i.ReplayActionId is { } id && current.TryGetValue(id, out var action)
            ? i with { ActionStatus = action.Status, ActionFailureClass = action.FailureClass }
            : i).ToList();
        var succeeded = items.Count(i => i.ActionStatus == ActionStatuses.Succeeded);
        var actionsFailed = items.Count(i => i.ActionStatus is ActionStatuses.DeadLettered or ActionStatuses.Denied or ActionStatuses.Expired);
        var actionsPending = items.Count(i => i.ReplayActionId is not null && (i.ActionStatus is null || !ActionStatuses.IsTerminal(i.ActionStatus)));
        return new ReplayJobView(this.GetPrimaryKeyString(), job.Status, Total(), job.Done, succeeded, job.Count(Failed), job.Count(Skipped),
            job.Spec?.MaxPerSecond ?? 0, job.CreatedAt, job.FinishedAt, job.CorrelationId, items, job.Reason,
            job.Count(Replayed), actionsFailed, actionsPending);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replay job {JobId} started: {Total} record(s) at most {MaxPerSecond}/s")]
    private static partial void LogStarted(ILogger logger, string jobId, int total, double maxPerSecond);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replay job {JobId} completed: {Succeeded} replayed, {Skipped} skipped, {Failed} failed")]
    private static partial void LogCompleted(ILogger logger, string jobId, int succeeded, int skipped, int failed);

    [LoggerMessage(Level = LogLevel.Error, Message = "Replay job {JobId} failed and will not run: {Reason}")]
    private static partial void LogFailed(ILogger logger, string jobId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replay job {JobId}: {DlqId} could not be replayed this time; it is tried again")]
    private static partial void LogTransient(ILogger logger, string jobId, string dlqId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replay job {JobId} cancelled by {Actor} after {Done} of {Total}")]
    private static partial void LogCancelled(ILogger logger, string jobId, string actor, int done, int total);
}
