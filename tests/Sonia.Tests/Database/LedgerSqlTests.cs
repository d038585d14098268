using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using Sonia.Grains.Actions.Ledger;
using Sonia.Hosting.Database;

namespace Sonia.Tests.Database;

/// <summary>
/// The ledger's PostgreSQL statements run live in every pipeline test; its T-SQL ones must at least parse. Both are
/// checked against expectations written out here (which statements exist, which parameters each binds), not against
/// each other through the same method.
/// </summary>
public sealed partial class LedgerSqlTests
{
    /// <summary>Every statement the ledger has, and the parameters its callers bind: written by hand from the callers.</summary>
    private static readonly Dictionary<string, string[]> Expected = new()
    {
        [nameof(LedgerSql.InsertAction)] =
        [
            "action_id", "session_id", "tool", "args", "args_hash", "request_hash", "idempotency_key", "status", "requires_confirmation",
            "attempts", "failure_class", "error", "result", "correlation_id", "replay_of", "dlq_id", "created_at", "updated_at",
            "expires_at", "next_attempt_at", "lease_until", "version", "submitted_by", "lease_owner",
        ],
        [nameof(LedgerSql.UpdateAction)] =
        [
            "status", "attempts", "failure_class", "error", "result", "dlq_id", "updated_at", "expires_at", "next_attempt_at",
            "lease_until", "lease_owner", "version", "action_id", "expected_version",
        ],
        [nameof(LedgerSql.InsertAudit)] = ["action_id", "from_status", "to_status", "at", "actor", "correlation_id", "detail"],
        [nameof(LedgerSql.UpsertAttempt)] =
            ["action_id", "attempt", "started_at", "finished_at", "outcome", "failure_class", "error", "correlation_id"],
        [nameof(LedgerSql.InsertDeadLetter)] =
        [
            "dlq_id", "action_id", "correlation_id", "failure_class", "error_type", "error_message", "attempts", "tool", "args",
            "idempotency_key", "created_at",
        ],
        [nameof(LedgerSql.SelectAction)] = ["action_id"],
        [nameof(LedgerSql.SelectSubmission)] = ["idempotency_key"],
        [nameof(LedgerSql.SelectAudit)] = ["action_id"],
        [nameof(LedgerSql.SelectAttempts)] = ["action_id"],
        [nameof(LedgerSql.ListActions)] = ["status", "session_id", "submitted_by", "assistant_by", "limit"],
        [nameof(LedgerSql.SelectRecoverable)] = ["now", "limit"],
        [nameof(LedgerSql.SelectLeaseOwners)] = [],
        [nameof(LedgerSql.SelectLeasedBy)] = ["lease_owner", "limit"],
        [nameof(LedgerSql.ClaimExecution)] = ["idempotency_key", "action_id", "tool", "executed_at"],
        [nameof(LedgerSql.SelectExecution)] = ["idempotency_key"],
        [nameof(LedgerSql.UpdateExecutionResult)] = ["result", "idempotency_key"],
        [nameof(LedgerSql.InsertMemory)] = ["memory_id", "session_id", "text", "tags", "created_at", "correlation_id"],
        [nameof(LedgerSql.DeleteMemory)] = ["memory_id"],
        [nameof(LedgerSql.SelectDeadLetter)] = ["dlq_id"],
        [nameof(LedgerSql.ListDeadLetters)] = ["status", "failure_class", "tool", "since", "limit"],
        [nameof(LedgerSql.CountUnresolvedDeadLetters)] = [],
        [nameof(LedgerSql.ResolveDeadLetter)] = ["status", "resolved_at", "resolved_by", "resolution_reason", "replay_action_id", "dlq_id"],
    };

    public static TheoryData<string> StatementNames() => new(Expected.Keys);

    public static TheoryData<DatabaseProvider> Providers() => new(DatabaseProvider.PostgreSql, DatabaseProvider.SqlServer);

    [Theory]
    [MemberData(nameof(StatementNames))]
    public void SqlServerStatement_ParsesAsTSql(string name)
    {
        var sql = Statement(DatabaseProvider.SqlServer, name);
        var parser = new TSql160Parser(initialQuotedIdentifiers: true);
        using var reader = new StringReader(sql);

        parser.Parse(reader, out var errors);

        Assert.True(errors.Count == 0, $"{sql}\n" + string.Join("; ", errors.Select(e => $"col {e.Column}: {e.Message}")));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public void SameListComparedWithItselfDefect_EveryDialect_HasExactlyTheExpectedStatements(DatabaseProvider provider)
    {
        var sql = LedgerSql.For(provider);
        var declared = typeof(LedgerSql).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.PropertyType == typeof(string))
            .ToDictionary(p => p.Name, p => (string)p.GetValue(sql)!);

        Assert.Equal(Expected.Keys.Order(), declared.Keys.Order());
        Assert.Equal(Expected.Keys.Select(k => declared[k]).Order(), sql.All().Order());
    }

    [Theory]
    [MemberData(nameof(StatementNames))]
    public void EachDialect_BindsExactlyTheParametersItsCallersSupply(string name)
    {
        foreach (var provider in new[] { DatabaseProvider.PostgreSql, DatabaseProvider.SqlServer })
        {
            var used = Parameter().Matches(Statement(provider, name)).Select(m => m.Groups[1].Value).Distinct().Order();
            Assert.True(Expected[name].Order().SequenceEqual(used), $"{provider} {name} binds [{string.Join(", ", used)}]");
        }
    }

    private static string Statement(DatabaseProvider provider, string name) =>
        (string)typeof(LedgerSql).GetProperty(name)!.GetValue(LedgerSql.For(provider))!;

    /// <summary>A named parameter; T-SQL's <c>@@ROWCOUNT</c> is a function, not one.</summary>
    [GeneratedRegex("(?<![@\\w])@([A-Za-z_][A-Za-z0-9_]*)", RegexOptions.CultureInvariant)]
    private static partial Regex Parameter();
}
