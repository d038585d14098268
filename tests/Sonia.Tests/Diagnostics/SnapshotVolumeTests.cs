using System.Text.Json;
using Sonia.Grains.Diagnostics;
using Sonia.Grains.Health;
using Sonia.Grains.Interfaces.Diagnostics;
using Sonia.Hosting.Database;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Diagnostics;

/// <summary>
/// The snapshot on the volume the issue names (100,000 actions, 10,000 dead letters) in a database of its own: its
/// reader returns the right records, and every statement it and the health checks run reads an index, never the whole
/// of sonia.actions or sonia.dead_letters. (Speed itself is measured by the benchmark, never asserted here.)
/// </summary>
[Trait("Category", "Volume")]
public sealed class SnapshotVolumeTests(SnapshotVolumeFixture fixture) : IClassFixture<SnapshotVolumeFixture>
{
    private readonly DatabaseOptions _database = fixture.Database;
    private readonly SnapshotVolume _volume = fixture.Volume;

    [Fact]
    public async Task Snapshot_OnTheStatedVolume_ReadsTheRightRecords_AndEveryStatementUsesAnIndex()
    {
        var reader = new DiagnosticsReader(_database);
        var lastHundred = _volume.Base.AddSeconds(_volume.DeadLetters - 99);
        var ledger = await new LedgerHealthReader(_database).ReadAsync(lastHundred, CancellationToken.None);
        var actions = await reader.ActionsAsync(50, IDiagnosticsGrain.MaxPending);
        var dlq = await reader.DeadLettersAsync(50);

        var all = Enumerable.Range(1, _volume.Actions);
        Assert.Equal(all.Reverse().Take(50).Select(SnapshotVolume.ActionId), actions.Recent.Select(a => a.ActionId));
        Assert.All(actions.Recent, a => Assert.Equal(["queued", a.Status], a.Transitions!.Select(t => t.To)));
        var pending = all.Where(g => _volume.StatusOf(g) is "queued" or "executing" or "awaiting_confirmation").ToList();
        Assert.Equal(pending.Count, actions.PendingTotal);
        Assert.True(actions.PendingTruncated);
        Assert.Equal(pending.Take(IDiagnosticsGrain.MaxPending).Select(SnapshotVolume.ActionId), actions.Pending.Select(a => a.ActionId));

        var dead = Enumerable.Range(1, _volume.DeadLetters).ToList();
        Assert.Equal(dead.AsEnumerable().Reverse().Take(50).Select(SnapshotVolume.DlqId), dlq.Recent.Select(d => d.DlqId));
        var unresolved = dead.Where(SnapshotVolume.IsUnresolved).GroupBy(SnapshotVolume.FailureClassOf)
            .ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.Equal(unresolved.OrderBy(u => u.Key), dlq.UnresolvedByFailureClass.OrderBy(u => u.Key));
        Assert.Equal(unresolved, ledger.UnresolvedByFailureClass.ToDictionary());
        Assert.Equal(100, ledger.DeadLettersArrived);
        Assert.Equal(pending.Count(g => _volume.StatusOf(g) == "queued"), ledger.Unfinished["queued"].Count);
        Assert.Equal(_volume.Base.AddSeconds(pending[0]), ledger.Unfinished["queued"].Oldest);
    }

    [Fact]
    public async Task SnapshotStatements_OnTheStatedVolume_NeverScanAWholeTable()
    {
        var ids = JsonSerializer.Serialize(Enumerable.Range(_volume.Actions - 49, 50).Select(SnapshotVolume.ActionId));
        var failures = new List<string>();
        foreach (var sql in DiagnosticsSql.For(DatabaseProvider.PostgreSql).All())
        {
            var plan = await ExplainAsync(sql,
                ("limit", IDiagnosticsGrain.MaxLastN), ("ids", ids), ("since", DateTimeOffset.UtcNow.AddMinutes(-5)));
            // The backlog statements must find unfinished actions in an index, not walk the ledger's index and filter.
            var wrongIndex = sql.Contains("status IN (", StringComparison.Ordinal) && plan.Contains("Filter:", StringComparison.Ordinal);
            if (plan.Contains("Seq Scan", StringComparison.Ordinal) || !plan.Contains("Index", StringComparison.Ordinal) || wrongIndex)
            {
                failures.Add($"{sql}\n{plan}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    [Fact]
    public async Task BundleAuditWindow_OnTheStatedVolume_ReadsTheAuditTimeIndex_NotTheWholeTable()
    {
        // The bundle's default: the last hour (3,600 actions, 7,200 of 200,000 audit rows), 10,000 rows and one more.
        var to = _volume.Base.AddSeconds(_volume.Actions + 60);
        var sql = BundleSql.For(DatabaseProvider.PostgreSql, BundleTables.ActionAudit);

        var plan = await ExplainAsync(sql, ("from", to.AddHours(-1)), ("to", to), ("limit", 10_001));

        Assert.True(plan.Contains("ix_action_audit_at", StringComparison.Ordinal), $"{sql}\n{plan}");
        Assert.False(plan.Contains("Seq Scan", StringComparison.Ordinal), $"{sql}\n{plan}");
    }

    private async Task<string> ExplainAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = _database.CreateConnection();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN " + sql;
        foreach (var (name, value) in parameters.Where(p => sql.Contains('@' + p.Name, StringComparison.Ordinal)))
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return string.Join('\n', lines);
    }
}

/// <summary>One seeded database for the volume tests: seeding takes seconds, so it is done once.</summary>
public sealed class SnapshotVolumeFixture : IAsyncLifetime
{
    public DatabaseOptions Database { get; private set; } = null!;

    public SnapshotVolume Volume { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("snapshot_volume");
        Volume = new SnapshotVolume(Database);
        await Volume.SeedAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;
}
