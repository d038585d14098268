namespace Sonia.Grains.Interfaces.Actions;

/// <summary>A request to run a tool. <see cref="Args"/> is the raw JSON object.</summary>
[GenerateSerializer, Immutable, Alias("sonia.action-submission-request")]
public sealed record class ActionSubmission(
    [property: Id(0)] string? SessionId,
    [property: Id(1)] string Tool,
    [property: Id(2)] string Args,
    [property: Id(3)] string? IdempotencyKey,
    [property: Id(4)] string Actor);

/// <summary>The answer to a submission: accepted (new), existing (same key, same body), or refused and why.</summary>
[GenerateSerializer, Immutable, Alias("sonia.action-submit-result")]
public sealed record class SubmitResult(
    [property: Id(0)] SubmitOutcome Outcome,
    [property: Id(1)] ActionView? Action,
    [property: Id(2)] IReadOnlyList<string> Errors);

[GenerateSerializer, Alias("sonia.action-submit-outcome")]
public enum SubmitOutcome
{
    Accepted = 0,
    Existing = 1,
    Invalid = 2,
    KeyConflict = 3,

    /// <summary>The ledger is saturated: nothing was recorded; retry later.</summary>
    Busy = 4,
}

/// <summary>The answer to approve or deny.</summary>
[GenerateSerializer, Immutable, Alias("sonia.action-command-result")]
public sealed record class CommandResult(
    [property: Id(0)] CommandOutcome Outcome,
    [property: Id(1)] ActionView? Action,
    [property: Id(2)] string? Error);

[GenerateSerializer, Alias("sonia.action-command-outcome")]
public enum CommandOutcome
{
    Done = 0,
    NotFound = 1,
    WrongState = 2,
    HashMismatch = 3,
    Expired = 4,

    /// <summary>The approver submitted the action and the tool does not allow self-approval (four-eyes).</summary>
    SelfApproval = 5,
}

/// <summary>An action as callers see it; <see cref="Args"/> and <see cref="Result"/> are raw JSON.</summary>
[GenerateSerializer, Immutable, Alias("sonia.action-view")]
public sealed record class ActionView(
    [property: Id(0)] string ActionId,
    [property: Id(1)] string? SessionId,
    [property: Id(2)] string Tool,
    [property: Id(3)] string Args,
    [property: Id(4)] string ArgsHash,
    [property: Id(5)] string IdempotencyKey,
    [property: Id(6)] string Status,
    [property: Id(7)] bool RequiresConfirmation,
    [property: Id(8)] int Attempts,
    [property: Id(9)] string? FailureClass,
    [property: Id(10)] string? Error,
    [property: Id(11)] string? Result,
    [property: Id(12)] string CorrelationId,
    [property: Id(13)] string? ReplayOf,
    [property: Id(14)] string? DlqId,
    [property: Id(15)] DateTimeOffset CreatedAt,
    [property: Id(16)] DateTimeOffset UpdatedAt,
    [property: Id(17)] DateTimeOffset? ExpiresAt)
{
    /// <summary>Filled only when one action is read by id.</summary>
    [Id(18)]
    public IReadOnlyList<AuditEntry>? Audit { get; init; }

    [Id(19)]
    public IReadOnlyList<AttemptView>? AttemptLog { get; init; }

    /// <summary>When a queued action is next tried: after a retry backoff, or at the end of a breaker wait.</summary>
    [Id(20)]
    public DateTimeOffset? NextAttemptAt { get; init; }

    /// <summary>The key that submitted the action; null for actions recorded before keys existed.</summary>
    [Id(21)]
    public string? SubmittedBy { get; init; }
}

/// <summary>One transition of an action.</summary>
[GenerateSerializer, Immutable, Alias("sonia.action-audit-entry")]
public sealed record class AuditEntry(
    [property: Id(0)] string? From,
    [property: Id(1)] string To,
    [property: Id(2)] DateTimeOffset At,
    [property: Id(3)] string Actor,
    [property: Id(4)] string CorrelationId,
    [property: Id(5)] string? Detail);

/// <summary>One execution attempt.</summary>
[GenerateSerializer, Immutable, Alias("sonia.action-attempt")]
public sealed record class AttemptView(
    [property: Id(0)] int Attempt,
    [property: Id(1)] DateTimeOffset StartedAt,
    [property: Id(2)] DateTimeOffset? FinishedAt,
    [property: Id(3)] string? Outcome,
    [property: Id(4)] string? FailureClass,
    [property: Id(5)] string? Error);

/// <summary>Filters of an action listing; newest first.</summary>
[GenerateSerializer, Immutable, Alias("sonia.action-list-query")]
public sealed record class ActionQuery(
    [property: Id(0)] string? Status,
    [property: Id(1)] string? SessionId,
    [property: Id(2)] int LastN)
{
    /// <summary>Only actions this key submitted or its assistant proposed (<c>assistant:&lt;key&gt;</c>); null means anyone's.</summary>
    [Id(3)]
    public string? SubmittedBy { get; init; }
}
