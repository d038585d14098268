using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Sonia.Grains.Actions.Ledger;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Hosting.Database;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Actions.Ledger;

/// <summary>
/// The ledger's bounded queue, driven directly: one writer, one change per batch, one queue slot, and the writer held
/// on a table lock taken by the test, so "queued", "full" and "abandoned" are states the test sets up, not races.
/// </summary>
public sealed class ActionLedgerQueueTests : IAsyncLifetime
{
    private DatabaseOptions _database = null!;

    public async Task InitializeAsync() => _database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("ledgerq");

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task UnboundedQueueDefect_FullQueue_RefusesANewActionAtOnce_AndNeverWritesIt()
    {
        await using var ledger = Ledger(TimeSpan.FromSeconds(20));
        await using var tableLock = await ActionsTableLock.TakeAsync(_database);
        var running = ledger.WriteNewAsync(Insert(out var runningId), CancellationToken.None);
        await tableLock.WriterBlockedAsync();
        var queued = ledger.WriteNewAsync(Insert(out var queuedId), CancellationToken.None);

        var refusedChange = Insert(out var refusedId);
        var clock = Stopwatch.StartNew();
        var refused = await Assert.ThrowsAsync<LedgerBusyException>(() => ledger.WriteNewAsync(refusedChange, CancellationToken.None));
        clock.Stop();
        await tableLock.ReleaseAsync();
        await Task.WhenAll(running, queued);

        Assert.Contains("full", refused.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"refusal took {clock.Elapsed}: it must not wait for room");
        Assert.Equal(2, await CountAsync(runningId, queuedId));
        Assert.Equal(0, await CountAsync(refusedId));
    }

    [Fact]
    public async Task UncancellableQueueDefect_AWriteCancelledWhileQueued_IsNeverCommitted()
    {
        await using var ledger = Ledger(TimeSpan.FromSeconds(20));
        await using var tableLock = await ActionsTableLock.TakeAsync(_database);
        var running = ledger.WriteNewAsync(Insert(out var runningId), CancellationToken.None);
        await tableLock.WriterBlockedAsync();
        using var caller = new CancellationTokenSource();
        var cancelled = ledger.WriteNewAsync(Insert(out var cancelledId), caller.Token);

        await caller.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        await tableLock.ReleaseAsync();
        await running;
        // The abandoned change gave its place back at once: this one is not refused as if the queue were still full.
        await ledger.WriteNewAsync(Insert(out var laterId), CancellationToken.None);

        Assert.Equal(1, ledger.Abandoned);
        Assert.Equal(2, await CountAsync(runningId, laterId));
        Assert.Equal(0, await CountAsync(cancelledId));
    }

    [Fact]
    public async Task UncancellableQueueDefect_AWriteQueuedPastMaxQueueWait_IsRefusedAsBusy_AndNeverCommitted()
    {
        await using var ledger = Ledger(TimeSpan.FromMilliseconds(300));
        await using var tableLock = await ActionsTableLock.TakeAsync(_database);
        // The parked change has no deadline: on a busy machine the writer may take longer than 300 ms to pick it up.
        var running = ledger.WriteAsync(Insert(out var runningId));
        await tableLock.WriterBlockedAsync();

        var lateChange = Insert(out var lateId);
        var late = await Assert.ThrowsAsync<LedgerBusyException>(() => ledger.WriteNewAsync(lateChange, CancellationToken.None));
        await tableLock.ReleaseAsync();
        await running;
        await ledger.WriteNewAsync(Insert(out var laterId), CancellationToken.None);

        Assert.Contains("within", late.Message, StringComparison.Ordinal);
        Assert.Equal(2, await CountAsync(runningId, laterId));
        Assert.Equal(0, await CountAsync(lateId));
    }

    [Fact]
    public async Task ChangesOfExistingActions_AreNeverRefused_EvenPastTheQueueLimit()
    {
        await using var ledger = Ledger(TimeSpan.FromMilliseconds(300));
        await using var tableLock = await ActionsTableLock.TakeAsync(_database);
        // The parked change has no deadline: on a busy machine the writer may take longer than 300 ms to pick it up.
        var running = ledger.WriteAsync(Insert(out var runningId));
        await tableLock.WriterBlockedAsync();
        var queued = ledger.WriteAsync(Insert(out var queuedId));
        var waiting = ledger.WriteAsync(Insert(out var waitingId));

        await Task.Delay(500); // longer than MaxQueueWait: neither may be dropped for waiting
        await tableLock.ReleaseAsync();
        await Task.WhenAll(running, queued, waiting);

        Assert.Equal(3, await CountAsync(runningId, queuedId, waitingId));
    }

    private ActionLedger Ledger(TimeSpan maxQueueWait) => new(
        _database,
        new LedgerOptions { Writers = 1, MaxBatch = 1, QueueLimit = 1, MaxQueueWait = maxQueueWait },
        NullLogger<ActionLedger>.Instance);

    private Task<long> CountAsync(params string[] ids) =>
        TestSql.CountAsync(_database, "SELECT COUNT(*) FROM sonia.actions WHERE action_id = ANY(@ids)", ("ids", ids));

    /// <summary>A minimal new action, as the ledger stores it.</summary>
    public static LedgerChange Insert(out string actionId)
    {
        actionId = ActionIds.New();
        var now = DateTimeOffset.UtcNow;
        var record = new ActionRecord
        {
            ActionId = actionId,
            Tool = "echo",
            Args = "{}",
            ArgsHash = new string('a', 64),
            RequestHash = new string('b', 64),
            IdempotencyKey = actionId,
            Status = ActionStatuses.Queued,
            CorrelationId = "req_ledger_queue_test",
            CreatedAt = now,
            UpdatedAt = now,
            Version = 1,
        };
        return new LedgerChange(record, null, []);
    }
}
