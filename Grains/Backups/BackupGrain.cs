using System.Data.Common;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.Logging;
using Sonia.Grains.Actions.Tools;
using Sonia.Grains.Audit;
using Sonia.Grains.Correlation;
using Sonia.Grains.Interfaces.Audit;
using Sonia.Grains.Interfaces.Backups;
using Sonia.Grains.Storage;
using Sonia.Hosting.Correlation;

namespace Sonia.Grains.Backups;

/// <inheritdoc cref="IBackupGrain"/>
/// <remarks>
/// The job runs on a one-shot timer, so the start call answers at once; a reminder brings it back after a silo crash.
/// The snapshot is one transaction, so a job cut short leaves nothing and simply runs again (at most
/// <see cref="BackupOptions.MaxAttempts"/> starts, then it fails and says why). A connection lost mid-job (the database
/// restarting, the silo dying) leaves the job running for the reminder; any other error fails it, with its reason.
/// Verification and restore may outlast the default response timeout (see <see cref="BackupCallTimeouts"/>); while they
/// run, <see cref="GetAsync"/> (which interleaves) shows their phase in <see cref="BackupView.Progress"/>.
/// </remarks>
public sealed partial class BackupGrain(
    [PersistentState(stateName: "backup-job", storageName: SoniaStorage.Name)] IPersistentState<BackupJobState> state,
    BackupWriter writer,
    BackupStore store,
    BackupVerifier verifier,
    DlqRestorer restorer,
    OperatorAuditLog audit,
    BackupOptions options,
    ActionsOptions actions,
    TimeProvider time,
    ILogger<BackupGrain> logger) : Grain, IBackupGrain, IRemindable
{
    private const string ReminderName = "backup-job";
    private const int ExportChunk = 64 * 1024;
    private IGrainTimer? _timer;
    private BackupProgress? _progress;

    private string Id => this.GetPrimaryKeyString();

    private bool Running => state.RecordExists && state.State.Status == BackupStatuses.Running;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (Running)
        {
            StartTimer();
        }

        return Task.CompletedTask;
    }

    public async Task<BackupView> StartAsync(string? label, string actor)
    {
        if (!state.RecordExists)
        {
            state.State = new BackupJobState
            {
                Label = label,
                Actor = actor,
                CreatedAt = time.GetUtcNow(),
                CorrelationId = CorrelationId.Current ?? CorrelationId.NewSystemId(),
            };
            await state.WriteStateAsync();
            await writer.RegisterAsync(Request(), CancellationToken.None);
            await this.RegisterOrUpdateReminder(ReminderName, actions.RecoveryInterval, actions.RecoveryInterval);
            await audit.RecordAsync(OperatorOperations.BackupCreate, Id, actor, label is null ? null : $"label: {label}");
            _progress = new BackupProgress("queued", 0, 0, 0);
            StartTimer();
        }

        return (await store.GetAsync(Id, _progress))!;
    }

    public Task<BackupView?> GetAsync() => store.GetAsync(Id, _progress);

    public async Task<BackupVerification?> VerifyAsync(string actor) => await VerifyAsync(actor, BackupOperations.Verification);

    private async Task<BackupVerification?> VerifyAsync(string actor, string operation)
    {
        await FinishRunningAsync();
        var started = time.GetUtcNow();
        _progress = new BackupProgress("starting", 0, 0, 0, operation, started);
        BackupVerification? verification;
        try
        {
            verification = await verifier.VerifyAsync(Id, CancellationToken.None, null,
                (phase, done, total) => _progress = new BackupProgress(phase, done, total, 0, operation, started));
        }
        finally
        {
            _progress = null;
        }

        if (verification is not null)
        {
            await store.RecordVerificationAsync(verification, actor);
            await audit.RecordAsync(OperatorOperations.BackupVerify, Id, actor,
                verification.Passed ? "passed" : "failed: " + string.Join("; ", verification.Problems));
        }

        return verification;
    }

    public async Task<DlqRestoreOutcome> RestoreDlqAsync(bool dryRun, string actor)
    {
        var verification = await VerifyAsync(actor, BackupOperations.Restore);
        if (verification is null)
        {
            return new DlqRestoreOutcome(null, null, null);
        }

        if (!verification.Passed)
        {
            await audit.RecordAsync(OperatorOperations.BackupRestore, Id, actor,
                $"refused (dry_run: {dryRun}): the backup fails verification");
            return new DlqRestoreOutcome(null, "the backup fails verification: " + string.Join("; ", verification.Problems), verification);
        }

        DlqRestoreResult result;
        var started = time.GetUtcNow();
        _progress = new BackupProgress(dryRun ? "restoring (dry run)" : "restoring", 0, 0, 0, BackupOperations.Restore, started);
        try
        {
            result = await restorer.RestoreAsync(Id, dryRun, CancellationToken.None, (phase, tables, rows, total) =>
                _progress = new BackupProgress(phase, tables, 2, 0, BackupOperations.Restore, started, rows, total));
        }
        finally
        {
            _progress = null;
        }

        await audit.RecordAsync(OperatorOperations.BackupRestore, Id, actor,
            $"dry_run: {(dryRun ? "true" : "false")}; dead letters {Describe(result.DeadLetters)}; actions {Describe(result.Actions)}");
        LogRestored(logger, Id, dryRun, result.DeadLetters.Inserted, result.DeadLetters.Conflicting);
        return new DlqRestoreOutcome(result, null, verification);
    }

    public async IAsyncEnumerable<BackupExportChunk> ExportAsync()
    {
        await FinishRunningAsync();
        var view = await store.GetAsync(Id, null);
        var (manifest, stored, _) = await store.ManifestAsync(Id);
        if (view?.Status != BackupStatuses.Succeeded || manifest is null)
        {
            yield break;
        }

        yield return new BackupExportChunk(BackupWriter.ManifestName, manifest);
        yield return new BackupExportChunk(BackupWriter.ManifestName + ".sha256",
            Encoding.ASCII.GetBytes($"{stored}  {BackupWriter.ManifestName}\n"));
        foreach (var artifact in view.Artifacts)
        {
            var any = false;
            await foreach (var chunk in store.ChunksAsync(Id, artifact.Name, ExportChunk))
            {
                any = true;
                yield return new BackupExportChunk(artifact.Name, chunk);
            }

            if (!any)
            {
                yield return new BackupExportChunk(artifact.Name, []);
            }
        }
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (Running)
        {
            if (_timer is null)
            {
                StartTimer();
            }

            return;
        }

        // Nothing left to bring back: a reminder outliving its job must not wake it forever.
        await UnregisterAsync();
    }

    private void StartTimer() => _timer ??= this.RegisterGrainTimer(
        _ => RunAsync(), new GrainTimerCreationOptions(TimeSpan.Zero, Timeout.InfiniteTimeSpan) { KeepAlive = true });

    /// <summary>Verify, restore and export of a running backup wait for it: they run the job here if the timer has not.</summary>
    private async Task FinishRunningAsync()
    {
        if (Running)
        {
            await RunAsync();
        }
    }

    private async Task RunAsync()
    {
        _timer?.Dispose();
        _timer = null;
        if (!Running)
        {
            return;
        }

        var job = state.State;
        job.Attempts++;
        await state.WriteStateAsync();
        if (job.Attempts > options.MaxAttempts)
        {
            await FailAsync($"gave up after {options.MaxAttempts} start(s), each cut short (a silo or the database went away mid-backup)");
            return;
        }

        CorrelationOutgoingFilter.Restore(job.CorrelationId);
        _progress = new BackupProgress("snapshot", 0, 0, job.Attempts);
        try
        {
            var artifacts = await writer.WriteAsync(Request(),
                (done, total) => _progress = new BackupProgress("snapshot", done, total, job.Attempts), CancellationToken.None);
            job.Status = BackupStatuses.Succeeded;
            await FinishAsync();
            LogSucceeded(logger, Id, artifacts.Count, job.Attempts);
            await ApplyRetentionAsync();
        }
        catch (DbException ex) when (ex.IsTransient)
        {
            // The transaction died with its connection, so nothing was written: the reminder runs the job again.
            _progress = new BackupProgress("waiting to resume", 0, 0, job.Attempts);
            LogInterrupted(logger, ex, Id, job.Attempts);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            await FailAsync($"{ex.GetType().Name}: {ex.Message}");
        }
    }

    private async Task ApplyRetentionAsync()
    {
        foreach (var expired in await store.ExpiredAsync(options.Keep))
        {
            if (await store.DeleteAsync(expired))
            {
                await audit.RecordAsync(OperatorOperations.BackupDelete, expired, "retention",
                    $"beyond the newest {options.Keep} backup(s); after {Id}");
                LogDeleted(logger, expired, options.Keep);
            }
        }
    }

    private async Task FailAsync(string reason)
    {
        state.State.Status = BackupStatuses.Failed;
        state.State.Reason = reason;
        await writer.FailAsync(Id, reason, CancellationToken.None);
        await FinishAsync();
        LogFailed(logger, Id, reason);
    }

    private async Task FinishAsync()
    {
        _progress = null;
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

    private BackupRequest Request() =>
        new(Id, state.State.Label, state.State.Actor, state.State.CorrelationId, state.State.CreatedAt);

    private static string Describe(RestoreCounts c) => $"{c.Inserted} inserted, {c.Identical} identical, {c.Conflicting} conflicting";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backup {BackupId} succeeded: {Artifacts} artifact(s), attempt {Attempt}")]
    private static partial void LogSucceeded(ILogger logger, string backupId, int artifacts, int attempt);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Backup {BackupId} attempt {Attempt} lost its connection; its reminder runs it again")]
    private static partial void LogInterrupted(ILogger logger, Exception exception, string backupId, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Backup {BackupId} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string backupId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backup {BackupId} deleted by retention (keeping the newest {Keep})")]
    private static partial void LogDeleted(ILogger logger, string backupId, int keep);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Backup {BackupId} DLQ restore (dry run {DryRun}): {Inserted} inserted, {Conflicting} conflicting")]
    private static partial void LogRestored(ILogger logger, string backupId, bool dryRun, int inserted, int conflicting);
}
