using System.Data.Common;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Sonia.Hosting.Database;

namespace Sonia.Grains.Actions.Ledger;

/// <summary>
/// Writes action transitions to SQL with group commit: every change waits until it is committed, but changes
/// queued by many actions while a commit runs go together in the next transaction. A batch that fails as a
/// whole (a conflict, a duplicate key) is retried change by change, so one bad change never sinks the others.
/// </summary>
public sealed partial class ActionLedger : IAsyncDisposable
{
    private readonly DatabaseOptions _database;
    private readonly LedgerOptions _options;
    private readonly ILogger<ActionLedger> _logger;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = false });
    private readonly Task[] _writers;
    private readonly SqlRunner _runner;

    public ActionLedger(DatabaseOptions database, LedgerOptions options, ILogger<ActionLedger> logger)
    {
        _database = database;
        _options = options;
        _logger = logger;
        Sql = LedgerSql.For(database.Provider);
        _runner = new SqlRunner(database);
        _writers = Enumerable.Range(0, options.Writers).Select(_ => Task.Run(WriteLoopAsync)).ToArray();
    }

    public LedgerSql Sql { get; }

    /// <summary>Completes once <paramref name="change"/> is committed; throws <see cref="LedgerConflictException"/> or <see cref="DuplicateIdempotencyKeyException"/> when it cannot be.</summary>
    public Task WriteAsync(LedgerChange change)
    {
        var pending = new Pending(change);
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(ActionLedger));
        }

        return pending.Done.Task;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAll(_writers);
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<Pending>(_options.MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < _options.MaxBatch && _queue.Reader.TryRead(out var pending))
            {
                batch.Add(pending);
            }

            if (batch.Count > 0)
            {
                await CommitAsync(batch);
            }
        }
    }

    private async Task CommitAsync(List<Pending> batch)
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
                    command.CommandText = statement.Sql;
                    SqlValues.AddAll(command.Parameters, command.CreateParameter, _database.Provider, statement.Values);
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
                    await using var command = _runner.Command(connection, transaction, statement.Sql, statement.Values);
                    statement.CheckAffected(await command.ExecuteNonQueryAsync());
                }
            }

            await transaction.CommitAsync();
        }
        catch (DbException ex) when (IsDuplicateIdempotencyKey(ex))
        {
            await transaction.RollbackAsync();
            throw new DuplicateIdempotencyKeyException(changes.Count == 1 ? changes[0].Action?.IdempotencyKey ?? "(none)" : "(batch)");
        }
        catch (DbException ex) when (IsDuplicateAction(ex))
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

    private IEnumerable<Statement> Statements(LedgerChange change)
    {
        if (change.Resolution is { } resolution)
        {
            // First, so that a record resolved by someone else refuses the whole change before anything is written.
            yield return new Statement(Sql.ResolveDeadLetter, new Dictionary<string, object?>
            {
                ["dlq_id"] = resolution.DlqId,
                ["status"] = resolution.Status,
                ["resolved_at"] = resolution.At,
                ["resolved_by"] = resolution.By,
                ["resolution_reason"] = resolution.Reason,
                ["replay_action_id"] = resolution.ReplayActionId,
            }, resolution.DlqId);
        }

        if (change.Action is { } action)
        {
            yield return change.IsInsert
                ? new Statement(Sql.InsertAction, ActionParameters(action, null), null)
                : new Statement(Sql.UpdateAction, ActionParameters(action, change.ExpectedVersion), action.ActionId);
        }

        foreach (var audit in change.Audits)
        {
            yield return new Statement(Sql.InsertAudit, new Dictionary<string, object?>
            {
                ["action_id"] = audit.ActionId,
                ["from_status"] = audit.From,
                ["to_status"] = audit.To,
                ["at"] = audit.At,
                ["actor"] = audit.Actor,
                ["correlation_id"] = audit.CorrelationId,
                ["detail"] = audit.Detail,
            }, null);
        }

        if (change.Attempt is { } attempt)
        {
            yield return new Statement(Sql.UpsertAttempt, new Dictionary<string, object?>
            {
                ["action_id"] = attempt.ActionId,
                ["attempt"] = attempt.Attempt,
                ["started_at"] = attempt.StartedAt,
                ["finished_at"] = SqlValues.Time(attempt.FinishedAt),
                ["outcome"] = attempt.Outcome,
                ["failure_class"] = attempt.FailureClass,
                ["error"] = attempt.Error,
                ["correlation_id"] = attempt.CorrelationId,
            }, null);
        }

        if (change.DeadLetter is { } dead)
        {
            yield return new Statement(Sql.InsertDeadLetter, new Dictionary<string, object?>
            {
                ["dlq_id"] = dead.DlqId,
                ["action_id"] = dead.ActionId,
                ["correlation_id"] = dead.CorrelationId,
                ["failure_class"] = dead.FailureClass,
                ["error_type"] = dead.ErrorType,
                ["error_message"] = dead.ErrorMessage,
                ["attempts"] = dead.Attempts,
                ["tool"] = dead.Tool,
                ["args"] = dead.Args,
                ["idempotency_key"] = dead.IdempotencyKey,
                ["created_at"] = dead.CreatedAt,
            }, null);
        }
    }

    private static Dictionary<string, object?> ActionParameters(ActionRecord a, int? expectedVersion)
    {
        var parameters = new Dictionary<string, object?>
        {
            ["action_id"] = a.ActionId,
            ["status"] = a.Status,
            ["attempts"] = a.Attempts,
            ["failure_class"] = a.FailureClass,
            ["error"] = a.Error,
            ["result"] = a.Result,
            ["dlq_id"] = a.DlqId,
            ["updated_at"] = a.UpdatedAt,
            ["expires_at"] = SqlValues.Time(a.ExpiresAt),
            ["next_attempt_at"] = SqlValues.Time(a.NextAttemptAt),
            ["lease_until"] = SqlValues.Time(a.LeaseUntil),
            ["version"] = a.Version,
        };

        if (expectedVersion is { } expected)
        {
            parameters["expected_version"] = expected;
            return parameters;
        }

        parameters["session_id"] = a.SessionId;
        parameters["tool"] = a.Tool;
        parameters["args"] = a.Args;
        parameters["args_hash"] = a.ArgsHash;
        parameters["request_hash"] = a.RequestHash;
        parameters["idempotency_key"] = a.IdempotencyKey;
        parameters["requires_confirmation"] = a.RequiresConfirmation;
        parameters["correlation_id"] = a.CorrelationId;
        parameters["replay_of"] = a.ReplayOf;
        parameters["submitted_by"] = a.SubmittedBy;
        parameters["created_at"] = a.CreatedAt;
        return parameters;
    }

    private static bool IsDuplicateAction(DbException ex) =>
        ex is Npgsql.PostgresException { SqlState: "23505", ConstraintName: "actions_pkey" }
        || (ex.Message.Contains("PRIMARY KEY", StringComparison.Ordinal) && ex.Message.Contains("'sonia.actions'", StringComparison.Ordinal));

    private static bool IsDuplicateIdempotencyKey(DbException ex) =>
        ex.Message.Contains("ux_actions_idempotency_key", StringComparison.OrdinalIgnoreCase)
        || (ex is Npgsql.PostgresException { SqlState: "23505", ConstraintName: "ux_actions_idempotency_key" });

    [LoggerMessage(Level = LogLevel.Warning, Message = "A ledger batch of {Count} changes failed ({Error}); committing them one by one")]
    private static partial void LogBatchSplit(ILogger logger, int count, string error);

    private sealed record Pending(LedgerChange Change)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>One statement; an update of an action must touch exactly one row, or its writer was stale.</summary>
    private sealed record Statement(string Sql, Dictionary<string, object?> Parameters, string? VersionedActionId)
    {
        public IEnumerable<(string Name, object? Value)> Values => Parameters.Select(p => (p.Key, p.Value));

        public void CheckAffected(int rows)
        {
            if (VersionedActionId is not null && rows != 1)
            {
                throw new LedgerConflictException(VersionedActionId);
            }
        }
    }
}
