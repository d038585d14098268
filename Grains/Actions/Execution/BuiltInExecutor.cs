using Sonia.Grains.Storage;
using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sonia.Grains.Actions.Ledger;
using Sonia.Grains.Actions.Tools;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Hosting.Database;

namespace Sonia.Grains.Actions.Execution;

/// <summary>
/// Runs the built-in tools. A side effect and the record of its idempotency key commit in one transaction, and
/// a key seen before returns the stored result without running anything: no side effect ever runs twice.
/// </summary>
public sealed class BuiltInExecutor(DatabaseOptions database, TimeProvider time) : IActionExecutor
{
    private readonly LedgerSql _sql = LedgerSql.For(database.Provider);
    private readonly SqlRunner _runner = new(database);

    public async Task<string> ExecuteAsync(ExecutionRequest request, CancellationToken cancellationToken)
    {
        var args = JsonNode.Parse(request.Args)?.AsObject() ?? [];
        switch (request.Tool)
        {
            case BuiltInTools.DrillFail:
                // A drill has no side effect to guard; it fails as told (for the first fail_times attempts, if set).
                if (args["fail_times"]?.GetValue<int>() is { } times && request.Attempt > times)
                {
                    return new JsonObject { ["recovered_after"] = times }.ToJsonString();
                }

                throw Drill(args["failure_class"]?.GetValue<string>() ?? FailureClasses.Unknown, args["message"]?.GetValue<string>() ?? "drill failure");

            // Echo has no side effect: answering again is answering the same, so it needs no idempotency record.
            case BuiltInTools.Echo:
                return request.Args;

            case BuiltInTools.DrillSleep:
                await Task.Delay(TimeSpan.FromMilliseconds(args["ms"]!.GetValue<int>()), time, cancellationToken);
                return new JsonObject { ["slept_ms"] = args["ms"]!.GetValue<int>() }.ToJsonString();
        }

        return await ExactlyOnceAsync(request, args, cancellationToken);
    }

    private async Task<string> ExactlyOnceAsync(ExecutionRequest request, JsonObject args, CancellationToken cancellationToken)
    {
        await using var connection = database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var claimed = await ExecuteAsync(connection, transaction, _sql.ClaimExecution, cancellationToken,
            ("idempotency_key", request.IdempotencyKey), ("action_id", request.ActionId), ("tool", request.Tool), ("executed_at", time.GetUtcNow()));
        if (claimed == 0)
        {
            // Seen before (an earlier attempt committed, then its answer was lost): return what it produced.
            await transaction.RollbackAsync(cancellationToken);
            return await StoredResultAsync(request.IdempotencyKey, cancellationToken);
        }

        var result = request.Tool switch
        {
            BuiltInTools.NoteSave => await SaveNoteAsync(connection, transaction, request, args, cancellationToken),
            BuiltInTools.NoteDelete => await DeleteNoteAsync(connection, transaction, args, cancellationToken),
            _ => throw new ExecutionRejectedException($"the built-in executor has no tool '{request.Tool}'"),
        };

        await ExecuteAsync(connection, transaction, _sql.UpdateExecutionResult, cancellationToken, ("idempotency_key", request.IdempotencyKey), ("result", result));
        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    private async Task<string> SaveNoteAsync(DbConnection connection, DbTransaction transaction, ExecutionRequest request, JsonObject args, CancellationToken cancellationToken)
    {
        var memoryId = "mem_" + Ulid.NewUlid();
        var tags = args["tags"]?.ToJsonString();
        await ExecuteAsync(connection, transaction, _sql.InsertMemory, cancellationToken,
            ("memory_id", memoryId), ("session_id", request.SessionId), ("text", args["text"]!.GetValue<string>()), ("tags", tags),
            ("created_at", time.GetUtcNow()), ("correlation_id", request.CorrelationId));
        return new JsonObject { ["memory_id"] = memoryId }.ToJsonString();
    }

    private async Task<string> DeleteNoteAsync(DbConnection connection, DbTransaction transaction, JsonObject args, CancellationToken cancellationToken)
    {
        var memoryId = args["memory_id"]!.GetValue<string>();
        var deleted = await ExecuteAsync(connection, transaction, _sql.DeleteMemory, cancellationToken, ("memory_id", memoryId));
        return new JsonObject { ["memory_id"] = memoryId, ["deleted"] = deleted == 1 }.ToJsonString();
    }

    private async Task<string> StoredResultAsync(string idempotencyKey, CancellationToken cancellationToken)
    {
        string? result = null;
        await _runner.QueryAsync(_sql.SelectExecution, r => result = r.GetString(0), cancellationToken, ("idempotency_key", idempotencyKey));
        return result ?? "null";
    }

    private async Task<int> ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = _runner.Command(connection, transaction, sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static ExecutionFailedException Drill(string failureClass, string message) => failureClass switch
    {
        FailureClasses.Rejected => new ExecutionRejectedException(message),
        FailureClasses.Timeout => new ExecutionFailedException(FailureClasses.Timeout, message, new TimeoutException(message)),
        _ => new ExecutionFailedException(failureClass, message),
    };
}
