using Sonia.Grains.Interfaces.Actions;

namespace Sonia.Grains.Actions.Ledger;

/// <summary>One row of <c>sonia.actions</c>; the action grain's whole state.</summary>
public sealed record ActionRecord
{
    public required string ActionId { get; init; }
    public string? SessionId { get; init; }
    public required string Tool { get; init; }
    public required string Args { get; init; }
    public required string ArgsHash { get; init; }
    public required string RequestHash { get; init; }
    public required string IdempotencyKey { get; init; }
    public required string Status { get; init; }
    public bool RequiresConfirmation { get; init; }
    public int Attempts { get; init; }
    public string? FailureClass { get; init; }
    public string? Error { get; init; }
    public string? Result { get; init; }
    public required string CorrelationId { get; init; }
    public string? ReplayOf { get; init; }
    public string? DlqId { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
    public DateTimeOffset? NextAttemptAt { get; init; }
    public DateTimeOffset? LeaseUntil { get; init; }

    /// <summary>The silo instance (address:port@generation) whose timer holds the lease; its death frees the action at once.</summary>
    public string? LeaseOwner { get; init; }

    /// <summary>The key (actor) that submitted or replayed the action: four-eyes and a client's own-actions view use it.</summary>
    public string? SubmittedBy { get; init; }

    /// <summary>Grows by one with every write; a write that expects another version changes nothing.</summary>
    public int Version { get; init; }

    public ActionView ToView() => new(
        ActionId, SessionId, Tool, Args, ArgsHash, IdempotencyKey, Status, RequiresConfirmation, Attempts,
        FailureClass, Error, Result, CorrelationId, ReplayOf, DlqId, CreatedAt, UpdatedAt, ExpiresAt)
    {
        NextAttemptAt = NextAttemptAt,
        SubmittedBy = SubmittedBy,
    };
}

/// <summary>One row of <c>sonia.action_audit</c>.</summary>
public sealed record AuditRow(string ActionId, string? From, string To, DateTimeOffset At, string Actor, string CorrelationId, string? Detail);

/// <summary>One row of <c>sonia.action_attempts</c>, inserted when the attempt starts and completed when it ends.</summary>
public sealed record AttemptRow(
    string ActionId, int Attempt, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt, string? Outcome,
    string? FailureClass, string? Error, string CorrelationId);

/// <summary>One row of <c>sonia.dead_letters</c>.</summary>
public sealed record DeadLetterRow(
    string DlqId, string ActionId, string CorrelationId, string FailureClass, string? ErrorType, string? ErrorMessage,
    int Attempts, string Tool, string Args, string IdempotencyKey, DateTimeOffset CreatedAt);

/// <summary>
/// Everything one action transition writes, committed together: the action row (inserted, or updated only if
/// it still has <see cref="ExpectedVersion"/>), its audit rows, an attempt row, a dead letter.
/// </summary>
public sealed record LedgerChange(
    ActionRecord? Action, int? ExpectedVersion, IReadOnlyList<AuditRow> Audits, AttemptRow? Attempt = null, DeadLetterRow? DeadLetter = null,
    DeadLetterResolution? Resolution = null)
{
    public bool IsInsert => ExpectedVersion is null;
}

/// <summary>Resolves a dead letter that must still be unresolved; otherwise the whole change is refused.</summary>
public sealed record DeadLetterResolution(string DlqId, string Status, DateTimeOffset At, string By, string? Reason, string? ReplayActionId);

/// <summary>The action row was written by someone else since it was read: the writer's view is stale.</summary>
public sealed class LedgerConflictException(string actionId)
    : Exception($"{actionId} was changed by another writer");

/// <summary>An action with this id is already recorded.</summary>
public sealed class DuplicateActionException(string actionId)
    : Exception($"action {actionId} already exists");

/// <summary>The idempotency key already belongs to another submission.</summary>
public sealed class DuplicateIdempotencyKeyException(string key)
    : Exception($"idempotency key {key} is already used");
