using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Backups;

/// <summary>
/// Writers run while backups are taken: each backup shows one instant, never an action without its audit rows or the
/// reverse.
/// </summary>
[Collection(SoniaClusterCollection.Name)]
public sealed class BackupConsistencyTests(SoniaClusterFixture fixture)
{
    private const int AuditRowsPerAction = 3;

    [Fact]
    public async Task Backup_WithConcurrentWriters_HoldsEveryActionWithAllItsAuditRows()
    {
        var prefix = $"act_bk{Guid.NewGuid():N}"[..12];
        using var stop = new CancellationTokenSource();
        var written = 0;
        var writers = Enumerable.Range(0, 2).Select(w => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                await WriteActionAsync($"{prefix}{w}{i:D8}");
                Interlocked.Increment(ref written);
            }
        })).ToList();
        try
        {
            await Eventually.ResultAsync(() => Task.FromResult(Volatile.Read(ref written)), TimeSpan.FromSeconds(30), n => n >= 20);
            var backups = new BackupsClient(fixture.Http);
            foreach (var _ in Enumerable.Range(0, 2))
            {
                var id = (await backups.CreateAsync("consistency")).GetProperty("backup_id").GetString()!;
                var actions = (await BackupsClient.LinesAsync(fixture.Database, id, "actions.tsv"))
                    .Select(l => BackupsClient.Text(l, "actions.tsv", "action_id"))
                    .Where(a => a.StartsWith(prefix, StringComparison.Ordinal))
                    .ToHashSet();
                var audit = (await BackupsClient.LinesAsync(fixture.Database, id, "action_audit.tsv"))
                    .Select(l => BackupsClient.Text(l, "action_audit.tsv", "action_id"))
                    .Where(a => a.StartsWith(prefix, StringComparison.Ordinal))
                    .GroupBy(a => a).ToDictionary(g => g.Key, g => g.Count());

                Assert.NotEmpty(actions);
                Assert.Equal(actions.Order(), audit.Keys.Order());
                Assert.All(audit.Values, n => Assert.Equal(AuditRowsPerAction, n));
            }

            Assert.True(Volatile.Read(ref written) > 20, "the writers kept writing during the backups");
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(writers);
            await TestSql.ScalarAsync(fixture.Database, "DELETE FROM sonia.action_audit WHERE action_id LIKE @p", ("p", prefix + "%"));
            await TestSql.ScalarAsync(fixture.Database, "DELETE FROM sonia.actions WHERE action_id LIKE @p", ("p", prefix + "%"));
        }
    }

    /// <summary>An action and its audit rows in one transaction, as the ledger writes them.</summary>
    private async Task WriteActionAsync(string actionId)
    {
        await using var connection = fixture.Database.CreateConnection();
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"""
            INSERT INTO sonia.actions (action_id, tool, args, args_hash, request_hash, idempotency_key, status, requires_confirmation,
                attempts, correlation_id, created_at, updated_at, version)
            VALUES ('{actionId}', 'echo', '{"{}"}', repeat('0', 64), repeat('0', 64), '{actionId}', 'succeeded', false, 1, 'bk',
                now(), now(), 1);
            INSERT INTO sonia.action_audit (action_id, from_status, to_status, at, actor, correlation_id)
            SELECT '{actionId}', 'queued', 'succeeded', now(), 'test', 'bk' FROM generate_series(1, {AuditRowsPerAction});
            """;
        await command.ExecuteNonQueryAsync();
        await transaction.CommitAsync();
    }
}
