using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Time.Testing;
using Sonia.Grains.Audit;
using Sonia.Grains.Interfaces.Audit;
using Sonia.Hosting.Database;
using Sonia.Tests.Actions;
using Sonia.Tests.DeadLetters;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Audit;

[Collection(SoniaClusterCollection.Name)]
public sealed class OperatorAuditTests(SoniaClusterFixture fixture)
{
    [Fact]
    public async Task Read_ReturnsTheWindowOnly_OldestFirst_AndCutsALongDetail()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("operator_audit");
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero));
        var log = new OperatorAuditLog(database, time);

        await log.RecordAsync(OperatorOperations.BackupCreate, "bk_before", "ops", null);
        time.Advance(TimeSpan.FromMinutes(10));
        var from = time.GetUtcNow();
        await log.RecordAsync(OperatorOperations.BreakerIsolate, "executor", "ops", new string('x', 5000));
        time.Advance(TimeSpan.FromMinutes(1));
        await log.RecordAsync(OperatorOperations.BreakerReset, "executor", "admin", "closed");
        time.Advance(TimeSpan.FromMinutes(1));
        var to = time.GetUtcNow();
        await log.RecordAsync(OperatorOperations.BackupDelete, "bk_after", "ops", null);

        var window = await log.ReadAsync(from, to, 100);

        Assert.Equal([OperatorOperations.BreakerIsolate, OperatorOperations.BreakerReset], window.Select(e => e.Operation));
        Assert.Equal(from, window[0].At);
        Assert.Equal(OperatorAuditLog.MaxDetailLength, window[0].Detail!.Length);
        Assert.Equal("admin", window[1].Actor);
        Assert.Single(await log.ReadAsync(from, to, 1));
    }

    [Fact]
    public async Task Discard_IsRecorded_WithTheActorAndTheRequestsCorrelationId()
    {
        var actions = new ActionsClient(fixture.Http);
        var dlqId = (await DeadLetterMaker.DeadLetteredAsync(actions)).GetProperty("dlq_id").GetString()!;
        var correlationId = $"audit-{Guid.NewGuid():N}";
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/dlq/{dlqId}/discard")
        {
            Content = JsonContent.Create(new { reason = "duplicate order" }),
        };
        request.Headers.Add("X-Correlation-ID", correlationId);

        using var response = await fixture.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var rows = await TestSql.CountAsync(fixture.Database,
            "SELECT COUNT(*) FROM sonia.operator_audit WHERE operation = @op AND target = @target AND actor = 'local' " +
            "AND correlation_id = @cid AND detail = 'duplicate order'",
            ("op", OperatorOperations.DeadLetterDiscard), ("target", dlqId), ("cid", correlationId));
        Assert.Equal(1, rows);
    }

    [Fact]
    public void EveryStatement_ParsesAsTSql()
    {
        var statements = OperatorAuditLog.Statements.For(DatabaseProvider.SqlServer);
        TSqlScripts.AllParse([statements.Insert, statements.SelectWindow, statements.SelectLatestOfOperation]);
    }
}
