using Sonia.Grains.Storage;
using System.Data.Common;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Sonia.Grains.Telemetry;
using Sonia.Hosting.Database;

namespace Sonia.Grains.Actions.Ledger;

/// <summary>
/// Writes action transitions to SQL with group commit: every change waits until it is committed, but changes
/// queued by many actions while a commit runs go together in the next transaction. A batch that fails as a
/// whole (a conflict, a duplicate key) is retried change by change, so one bad change never sinks the others.
/// The queue is bounded (<see cref="LedgerOptions.QueueLimit"/>): a new action is refused rather than queued behind
/// work its client would time out on, and a change whose caller gave up before a writer took it is never run.
/// </summary>
public sealed partial class ActionLedger : IAsyncDisposable
{
    private readonly DatabaseOptions _database;
    private readonly LedgerOptions _options;
    private readonly ILogger<ActionLedger> _logger;
    private readonly Channel<PendingChange> _queue;
    private readonly Task[] _writers;
    private readonly SqlRunner _runner;

    public ActionLedger(DatabaseOptions database, LedgerOptions options, ILogger<ActionLedger> logger)
    {
        _database = database;
        _options = options;
        _logger = logger;
        // Unbounded channel, bounded count: a change its caller gave up on frees its place at once, not when a
        // writer gets round to skipping it.
        _queue = Channel.CreateUnbounded<PendingChange>();
        Sql = LedgerSql.For(database.Provider);
        _runner = new SqlRunner(database);
        _writers = Enumerable.Range(0, options.Writers).Select(_ => Task.Run(WriteLoopAsync)).ToArray();
    }

    public LedgerSql Sql { get; }

    private long _abandoned;

    /// <summary>Changes neither taken by a writer nor given up on: what <see cref="LedgerOptions.QueueLimit"/> bounds.</summary>
    private int _waiting;

    /// <summary>Changes waiting for a writer now.</summary>
    public int Queued => Volatile.Read(ref _waiting);

    /// <summary>New actions dropped unwritten since start because their caller gave up or they waited too long.</summary>
    public long Abandoned => Interlocked.Read(ref _abandoned);

    /// <summary>
    /// Completes once <paramref name="change"/> is committed; throws <see cref="LedgerConflictException"/> or
    /// <see cref="DuplicateIdempotencyKeyException"/> when it cannot be. Never refused for a full queue: this is for
    /// changes of existing actions, which must not be lost to a burst of new ones. They count towards the bound, so
    /// new actions are refused while they are backed up.
    /// </summary>
    public async Task WriteAsync(LedgerChange change)
    {
        var pending = new PendingChange(change);
        Interlocked.Increment(ref _waiting);
        if (!_queue.Writer.TryWrite(pending))
        {
            Interlocked.Decrement(ref _waiting);
            throw new ObjectDisposedException(nameof(ActionLedger));
        }

        await pending.Done.Task;
    }

    /// <summary>
    /// Writes a new action, or refuses it: <see cref="LedgerBusyException"/> at once when the queue is full, or when
    /// no writer took it within <see cref="LedgerOptions.MaxQueueWait"/>; <see cref="OperationCanceledException"/>
    /// when <paramref name="cancellationToken"/> fires first. A refused change is never committed afterwards.
    /// </summary>
    public Task WriteNewAsync(LedgerChange change, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (Interlocked.Increment(ref _waiting) > _options.QueueLimit)
        {
            Interlocked.Decrement(ref _waiting);
            LogQueueFull(_logger, _options.QueueLimit);
            throw new LedgerBusyException($"the ledger queue is full ({_options.QueueLimit} changes waiting)");
        }

        var pending = new PendingChange(change);
        var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.MaxQueueWait);
        pending.AbandonOn(deadline.Token, () => cancellationToken.IsCancellationRequested
            ? new OperationCanceledException("the caller gave up before the change was written", cancellationToken)
            : new LedgerBusyException($"no ledger writer was free within {_options.MaxQueueWait}"),
            () =>
            {
                Interlocked.Decrement(ref _waiting);
                Interlocked.Increment(ref _abandoned);
            });
        if (!_queue.Writer.TryWrite(pending))
        {
            deadline.Dispose();
            if (pending.TryClaim())
            {
                Interlocked.Decrement(ref _waiting); // unless its abandonment already gave the place back
            }

            throw new ObjectDisposedException(nameof(ActionLedger));
        }

        return pending.Done.Task.ContinueWith(
            done =>
            {
                deadline.Dispose();
                return done;
            },
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).Unwrap();
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAll(_writers);
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<PendingChange>(_options.MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < _options.MaxBatch && _queue.Reader.TryRead(out var pending))
            {
                // A change its caller gave up on was already answered as failed: running it now would be the lie.
                if (pending.TryClaim())
                {
                    Interlocked.Decrement(ref _waiting);
                    batch.Add(pending);
                }
            }

            if (batch.Count > 0)
            {
                SoniaMetrics.LedgerBatch(batch.Count);
                await CommitAsync(batch);
            }
        }
    }

    private async Task CommitAsync(List<PendingChange> batch)
    {
        try
        {
            await CommitTogetherAsync(batch.Select(p => p.Change).ToList());
            batch.ForEach(p => p.Done.TrySetResult());
            return;
        }
        catch (Exception ex) when (batch.Count > 1 && ex is DbException or LedgerConflictException or DuplicateIdempotencyKeyException or DuplicateActionException)
        {
            LogBatchSplit(_logger, batch.Count, ex.GetType().Name);
        }
        catch (Exception ex)
        {
            batch.ForEach(p => p.Done.TrySetException(ex));
            return;
        }

        foreach (var pending in batch)
        {
            try
            {
                await CommitTogetherAsync([pending.Change]);
                pending.Done.TrySetResult();
            }
            catch (Exception ex)
            {
                pending.Done.TrySetException(ex);
            }
        }
    }

    private async Task CommitTogetherAsync(IReadOnlyList<LedgerChange> changes)
    {
        await using var connection = _database.CreateConnection();
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var statements = changes.SelectMany(Statements).ToList();
        try
        {
            if (connection.CanCreateBatch)
            {
                await using var batch = connection.CreateBatch();
                batch.Transaction = transaction;
                foreach (var statement in statements)
                {
                    var command = batch.CreateBatchCommand();
                    if (_database.Provider == DatabaseProvider.PostgreSql)
                    {
                        // Positional: Npgsql then sends the statement as it is instead of parsing it on every commit.
                        var positional = PositionalSql.Of(statement.Sql);
                        command.CommandText = positional.Sql;
                        // One delegate for the statement: a method group converted per parameter was 6% of the silo's
                        // allocated bytes under load.
                        Func<DbParameter> create = command.CreateParameter;
                        foreach (var name in positional.Names)
                        {
                            var value = statement.Value(name);
                            SqlValues.Add(command.Parameters, create, _database.Provider, string.Empty, value);
                        }
                    }
                    else
                    {
                        command.CommandText = statement.Sql;
                        SqlValues.AddAll(command.Parameters, command.CreateParameter, _database.Provider, statement.Parameters);
                    }

                    batch.BatchCommands.Add(command);
                }

                await batch.ExecuteNonQueryAsync();
                for (var i = 0; i < statements.Count; i++)
                {
                    statements[i].CheckAffected(batch.BatchCommands[i].RecordsAffected);
                }
            }
            else
            {
                foreach (var statement in statements)
                {
                    await using var command = _runner.Command(connection, transaction, statement.Sql, statement.Parameters);
                    statement.CheckAffected(await command.ExecuteNonQueryAsync());
                }
            }

            await transaction.CommitAsync();
        }
        catch (DbException ex) when (DuplicateKeys.Classify(ex) == DuplicateKey.IdempotencyKey)
        {
            await transaction.RollbackAsync();
            throw new DuplicateIdempotencyKeyException(changes.Count == 1 ? changes[0].Action?.IdempotencyKey ?? "(none)" : "(batch)");
        }
        catch (DbException ex) when (DuplicateKeys.Classify(ex) == DuplicateKey.ActionId)
        {
            await transaction.RollbackAsync();
            throw new DuplicateActionException(changes.Count == 1 ? changes[0].Action?.ActionId ?? "(none)" : "(batch)");
        }
        catch (LedgerConflictException)
        {
            await transaction.RollbackAsync();
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A ledger batch of {Count} changes failed ({Error}); committing them one by one")]
    private static partial void LogBatchSplit(ILogger logger, int count, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The ledger queue is full ({QueueLimit} changes waiting); a new action was refused")]
    private static partial void LogQueueFull(ILogger logger, int queueLimit);
}
