using Sonia.Grains.Interfaces.Audit;
using Sonia.Grains.Storage;
using Sonia.Hosting.Correlation;
using Sonia.Hosting.Database;

namespace Sonia.Grains.Audit;

/// <summary>
/// Writes and reads <c>sonia.operator_audit</c>. A record is written before the operation's answer goes back, so an
/// operation an operator was told about is always in the trail; the correlation id is the request's.
/// </summary>
public sealed class OperatorAuditLog(DatabaseOptions database, TimeProvider time)
{
    /// <summary>Longest detail kept; a longer one is cut, with a mark, rather than refused.</summary>
    public const int MaxDetailLength = 2000;

    private readonly SqlRunner _sql = new(database);
    private readonly Statements _statements = Statements.For(database.Provider);

    /// <summary>Writes one entry; returns the time it was recorded at.</summary>
    public async Task<DateTimeOffset> RecordAsync(
        string operation, string target, string actor, string? detail, CancellationToken cancellationToken = default)
    {
        if (detail is { Length: > MaxDetailLength })
        {
            detail = string.Concat(detail.AsSpan(0, MaxDetailLength - 1), "…");
        }

        var at = time.GetUtcNow();
        await _sql.ExecuteAsync(_statements.Insert, cancellationToken,
            ("at", at), ("actor", actor), ("operation", operation), ("target", target),
            ("correlation_id", CorrelationId.Current), ("detail", detail));
        return at;
    }

    /// <summary>Entries with <paramref name="from"/> ≤ at &lt; <paramref name="to"/>, oldest first, at most <paramref name="limit"/>.</summary>
    public async Task<List<OperatorAuditEntry>> ReadAsync(
        DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken cancellationToken = default)
    {
        var entries = new List<OperatorAuditEntry>();
        await _sql.QueryAsync(_statements.SelectWindow, r => entries.Add(Read(r)),
            cancellationToken, ("from", from), ("to", to), ("limit", limit));
        return entries;
    }

    /// <summary>The newest <paramref name="limit"/> entries of one operation, newest first.</summary>
    public async Task<List<OperatorAuditEntry>> ReadLatestAsync(string operation, int limit, CancellationToken cancellationToken = default)
    {
        var entries = new List<OperatorAuditEntry>();
        await _sql.QueryAsync(_statements.SelectLatestOfOperation, r => entries.Add(Read(r)),
            cancellationToken, ("operation", operation), ("limit", limit));
        return entries;
    }

    private static OperatorAuditEntry Read(System.Data.Common.DbDataReader r) => new(
        r.GetInt64(0), SqlValues.ReadTime(r, 1), r.GetString(2), r.GetString(3), r.GetString(4),
        SqlValues.ReadNullableString(r, 5), SqlValues.ReadNullableString(r, 6));

    /// <summary>The statements, per dialect; the T-SQL ones are parsed in the tests.</summary>
    public sealed record Statements(string Insert, string SelectWindow, string SelectLatestOfOperation)
    {
        private const string Columns = "audit_id, at, actor, operation, target, correlation_id, detail";

        private const string InsertSql =
            "INSERT INTO sonia.operator_audit (at, actor, operation, target, correlation_id, detail) " +
            "VALUES (@at, @actor, @operation, @target, @correlation_id, @detail)";

        public static Statements For(DatabaseProvider provider) => provider switch
        {
            DatabaseProvider.PostgreSql => new(InsertSql,
                $"SELECT {Columns} FROM sonia.operator_audit WHERE at >= @from AND at < @to ORDER BY at, audit_id LIMIT @limit",
                $"SELECT {Columns} FROM sonia.operator_audit WHERE operation = @operation ORDER BY at DESC, audit_id DESC LIMIT @limit"),
            DatabaseProvider.SqlServer => new(InsertSql,
                $"SELECT TOP (@limit) {Columns} FROM sonia.operator_audit WHERE at >= @from AND at < @to ORDER BY at, audit_id",
                $"SELECT TOP (@limit) {Columns} FROM sonia.operator_audit WHERE operation = @operation ORDER BY at DESC, audit_id DESC"),
            _ => throw new InvalidOperationException($"Unknown database provider {provider}."),
        };
    }
}
