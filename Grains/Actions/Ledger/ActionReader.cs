using Sonia.Grains.Storage;
using System.Data.Common;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Grains.Interfaces.Sessions;
using Sonia.Hosting.Database;

namespace Sonia.Grains.Actions.Ledger;

/// <summary>Reads actions, their audit trail and attempts back from SQL.</summary>
public sealed class ActionReader(DatabaseOptions database)
{
    private readonly LedgerSql _sql = LedgerSql.For(database.Provider);
    private readonly SqlRunner _runner = new(database);

    public Task<ActionRecord?> FindAsync(string actionId, CancellationToken cancellationToken = default) =>
        SingleAsync(_sql.SelectAction, ("action_id", actionId), cancellationToken);

    /// <summary>The original submission (not a replay) that used <paramref name="idempotencyKey"/>.</summary>
    public Task<ActionRecord?> FindSubmissionAsync(string idempotencyKey, CancellationToken cancellationToken = default) =>
        SingleAsync(_sql.SelectSubmission, ("idempotency_key", idempotencyKey), cancellationToken);

    public async Task<IReadOnlyList<ActionRecord>> ListAsync(ActionQuery query, CancellationToken cancellationToken = default)
    {
        var rows = new List<ActionRecord>();
        await QueryAsync(_sql.ListActions, r => rows.Add(Read(r)), cancellationToken, ("status", query.Status), ("session_id", query.SessionId), ("limit", query.LastN),
            ("submitted_by", query.SubmittedBy),
            // What the assistant proposed in the key's own sessions is the key's too (AssistantActors).
            ("assistant_by", query.SubmittedBy is null ? null : AssistantActors.For(query.SubmittedBy)));
        return rows;
    }

    public async Task<IReadOnlyList<AuditEntry>> AuditAsync(string actionId, CancellationToken cancellationToken = default)
    {
        var rows = new List<AuditEntry>();
        await QueryAsync(_sql.SelectAudit, r => rows.Add(new AuditEntry(
            SqlValues.ReadNullableString(r, 0), r.GetString(1), SqlValues.ReadTime(r, 2), r.GetString(3), r.GetString(4), SqlValues.ReadNullableString(r, 5))),
            cancellationToken, ("action_id", actionId));
        return rows;
    }

    public async Task<IReadOnlyList<AttemptView>> AttemptsAsync(string actionId, CancellationToken cancellationToken = default)
    {
        var rows = new List<AttemptView>();
        await QueryAsync(_sql.SelectAttempts, r => rows.Add(new AttemptView(
            r.GetInt32(0), SqlValues.ReadTime(r, 1), SqlValues.ReadNullableTime(r, 2), SqlValues.ReadNullableString(r, 3),
            SqlValues.ReadNullableString(r, 4), SqlValues.ReadNullableString(r, 5))),
            cancellationToken, ("action_id", actionId));
        return rows;
    }

    /// <summary>Ids of actions a recovery sweep must resume.</summary>
    public async Task<IReadOnlyList<string>> RecoverableAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default)
    {
        var ids = new List<string>();
        await QueryAsync(_sql.SelectRecoverable, r => ids.Add(r.GetString(0)), cancellationToken, ("now", now), ("limit", limit));
        return ids;
    }

    /// <summary>The silo instances holding leases of unfinished actions.</summary>
    public async Task<IReadOnlyList<string>> LeaseOwnersAsync(CancellationToken cancellationToken = default)
    {
        var owners = new List<string>();
        await QueryAsync(_sql.SelectLeaseOwners, r => owners.Add(r.GetString(0)), cancellationToken);
        return owners;
    }

    /// <summary>Ids of unfinished actions leased by <paramref name="owner"/>.</summary>
    public async Task<IReadOnlyList<string>> LeasedByAsync(string owner, int limit, CancellationToken cancellationToken = default)
    {
        var ids = new List<string>();
        await QueryAsync(_sql.SelectLeasedBy, r => ids.Add(r.GetString(0)), cancellationToken, ("lease_owner", owner), ("limit", limit));
        return ids;
    }

    private async Task<ActionRecord?> SingleAsync(string sql, (string Name, object? Value) parameter, CancellationToken cancellationToken)
    {
        ActionRecord? found = null;
        await QueryAsync(sql, r => found = Read(r), cancellationToken, parameter);
        return found;
    }

    private Task QueryAsync(string sql, Action<DbDataReader> row, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters) =>
        _runner.QueryAsync(sql, row, cancellationToken, parameters);

    private static ActionRecord Read(DbDataReader r) => new()
    {
        ActionId = r.GetString(0),
        SessionId = SqlValues.ReadNullableString(r, 1),
        Tool = r.GetString(2),
        Args = r.GetString(3),
        ArgsHash = r.GetString(4),
        RequestHash = r.GetString(5),
        IdempotencyKey = r.GetString(6),
        Status = r.GetString(7),
        RequiresConfirmation = r.GetBoolean(8),
        Attempts = r.GetInt32(9),
        FailureClass = SqlValues.ReadNullableString(r, 10),
        Error = SqlValues.ReadNullableString(r, 11),
        Result = SqlValues.ReadNullableString(r, 12),
        CorrelationId = r.GetString(13),
        ReplayOf = SqlValues.ReadNullableString(r, 14),
        DlqId = SqlValues.ReadNullableString(r, 15),
        CreatedAt = SqlValues.ReadTime(r, 16),
        UpdatedAt = SqlValues.ReadTime(r, 17),
        ExpiresAt = SqlValues.ReadNullableTime(r, 18),
        NextAttemptAt = SqlValues.ReadNullableTime(r, 19),
        LeaseUntil = SqlValues.ReadNullableTime(r, 20),
        Version = r.GetInt32(21),
        SubmittedBy = SqlValues.ReadNullableString(r, 22),
        LeaseOwner = SqlValues.ReadNullableString(r, 23),
    };
}
