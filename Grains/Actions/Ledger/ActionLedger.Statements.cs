using Sonia.Grains.Storage;

namespace Sonia.Grains.Actions.Ledger;

/// <summary>The statements one change becomes, in the order they must run.</summary>
public sealed partial class ActionLedger
{
    private IEnumerable<Statement> Statements(LedgerChange change)
    {
        if (change.Resolution is { } resolution)
        {
            // First, so that a record resolved by someone else refuses the whole change before anything is written.
            yield return new Statement(Sql.ResolveDeadLetter, [
                ("dlq_id", resolution.DlqId),
                ("status", resolution.Status),
                ("resolved_at", resolution.At),
                ("resolved_by", resolution.By),
                ("resolution_reason", resolution.Reason),
                ("replay_action_id", resolution.ReplayActionId),
            ], resolution.DlqId);
        }

        if (change.Action is { } action)
        {
            yield return change.IsInsert
                ? new Statement(Sql.InsertAction, ActionParameters(action, null), null)
                : new Statement(Sql.UpdateAction, ActionParameters(action, change.ExpectedVersion), action.ActionId);
        }

        foreach (var audit in change.Audits)
        {
            yield return new Statement(Sql.InsertAudit, [
                ("action_id", audit.ActionId),
                ("from_status", audit.From),
                ("to_status", audit.To),
                ("at", audit.At),
                ("actor", audit.Actor),
                ("correlation_id", audit.CorrelationId),
                ("detail", audit.Detail),
            ], null);
        }

        if (change.Attempt is { } attempt)
        {
            yield return new Statement(Sql.UpsertAttempt, [
                ("action_id", attempt.ActionId),
                ("attempt", attempt.Attempt),
                ("started_at", attempt.StartedAt),
                ("finished_at", SqlValues.Time(attempt.FinishedAt)),
                ("outcome", attempt.Outcome),
                ("failure_class", attempt.FailureClass),
                ("error", attempt.Error),
                ("correlation_id", attempt.CorrelationId),
            ], null);
        }

        if (change.DeadLetter is { } dead)
        {
            yield return new Statement(Sql.InsertDeadLetter, [
                ("dlq_id", dead.DlqId),
                ("action_id", dead.ActionId),
                ("correlation_id", dead.CorrelationId),
                ("failure_class", dead.FailureClass),
                ("error_type", dead.ErrorType),
                ("error_message", dead.ErrorMessage),
                ("attempts", dead.Attempts),
                ("tool", dead.Tool),
                ("args", dead.Args),
                ("idempotency_key", dead.IdempotencyKey),
                ("created_at", dead.CreatedAt),
            ], null);
        }
    }

    private static (string Name, object? Value)[] ActionParameters(ActionRecord a, int? expectedVersion)
    {
        (string Name, object? Value)[] changing =
        [
            ("action_id", a.ActionId),
            ("status", a.Status),
            ("attempts", a.Attempts),
            ("failure_class", a.FailureClass),
            ("error", a.Error),
            ("result", a.Result),
            ("dlq_id", a.DlqId),
            ("updated_at", a.UpdatedAt),
            ("expires_at", SqlValues.Time(a.ExpiresAt)),
            ("next_attempt_at", SqlValues.Time(a.NextAttemptAt)),
            ("lease_until", SqlValues.Time(a.LeaseUntil)),
            ("lease_owner", a.LeaseUntil is null ? null : a.LeaseOwner),
            ("version", a.Version),
        ];

        return expectedVersion is { } expected
            ? [.. changing, ("expected_version", expected)]
            :
            [
                .. changing,
                ("session_id", a.SessionId),
                ("tool", a.Tool),
                ("args", a.Args),
                ("args_hash", a.ArgsHash),
                ("request_hash", a.RequestHash),
                ("idempotency_key", a.IdempotencyKey),
                ("requires_confirmation", a.RequiresConfirmation),
                ("correlation_id", a.CorrelationId),
                ("replay_of", a.ReplayOf),
                ("submitted_by", a.SubmittedBy),
                ("created_at", a.CreatedAt),
            ];
    }

    /// <summary>
    /// One statement; an update of an action must touch exactly one row, or its writer was stale. Its values are an array,
    /// not a dictionary: a dictionary per statement was a tenth of the silo's allocated bytes under load.
    /// </summary>
    private sealed record Statement(string Sql, (string Name, object? Value)[] Parameters, string? VersionedActionId)
    {
        /// <summary>The value of parameter <paramref name="name"/> (a statement has at most 24: a scan is cheaper than a hash).</summary>
        public object? Value(string name)
        {
            foreach (var (parameter, value) in Parameters)
            {
                if (parameter == name)
                {
                    return value;
                }
            }

            throw new KeyNotFoundException($"the statement has no parameter @{name}");
        }

        public void CheckAffected(int rows)
        {
            if (VersionedActionId is not null && rows != 1)
            {
                throw new LedgerConflictException(VersionedActionId);
            }
        }
    }
}
