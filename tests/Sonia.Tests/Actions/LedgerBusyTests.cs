using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Tests.Actions.Ledger;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Actions;

/// <summary>
/// A submission the ledger cannot take is refused before anything is queued, and one whose caller gave up is never
/// committed afterwards. The fixture's ledger has one writer and a one-change queue; the test parks the writer on a
/// table lock, so "queue full" is a state it sets up rather than a race it hopes to win.
/// </summary>
[Collection(SmallLedgerClusterCollection.Name)]
public sealed class LedgerBusyTests(SmallLedgerClusterFixture fixture)
{
    [Fact]
    public async Task TimedOutSubmissionCommitsDefect_FullQueue_Is503WithRetryAfterAtOnce_AndStoresNothing()
    {
        var marker = $"busy-{Guid.NewGuid():N}";
        await SettledAsync();
        await using var tableLock = await ActionsTableLock.TakeAsync(fixture.Database);
        var running = Accept(out var runningId, CancellationToken.None);
        await tableLock.WriterBlockedAsync();
        var queued = Accept(out var queuedId, CancellationToken.None);
        await QueuedAsync(1);

        var clock = Stopwatch.StartNew();
        using var response = await fixture.Http.PostAsJsonAsync("/v1/actions", new { tool = "echo", args = new { marker } });
        clock.Stop();
        var problem = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        await tableLock.ReleaseAsync();
        var results = await Task.WhenAll(running, queued);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(503, problem.GetProperty("status").GetInt32());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"the refusal took {clock.Elapsed}: it must not wait for room");
        Assert.All(results, r => Assert.Equal(SubmitOutcome.Accepted, r.Outcome));
        Assert.Equal(0, await TestSql.CountAsync(fixture.Database, "SELECT COUNT(*) FROM sonia.actions WHERE args LIKE @m", ("m", $"%{marker}%")));
        Assert.Equal(2, await CountAsync(runningId, queuedId));
    }

    [Fact]
    public async Task TimedOutSubmissionCommitsDefect_AGrainCallCancelledWhileQueued_IsNeverCommitted()
    {
        await SettledAsync();
        await using var tableLock = await ActionsTableLock.TakeAsync(fixture.Database);
        var running = Accept(out var runningId, CancellationToken.None);
        await tableLock.WriterBlockedAsync();
        var abandonedBefore = fixture.Ledger.Abandoned;
        using var caller = new CancellationTokenSource();
        var cancelled = Accept(out var cancelledId, caller.Token);
        await QueuedAsync(1);

        await caller.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        // The silo heard the cancellation: well before the fixture's 20 s MaxQueueWait could have dropped it instead.
        await Eventually.ResultAsync(() => Task.FromResult(fixture.Ledger.Abandoned), TimeSpan.FromSeconds(5), n => n == abandonedBefore + 1);
        await tableLock.ReleaseAsync();
        await running;
        // One writer, first in first out: once this one is in, the cancelled change was passed over, not merely late.
        var later = await Accept(out var laterId, CancellationToken.None);

        Assert.Equal(SubmitOutcome.Accepted, later.Outcome);
        Assert.Equal(2, await CountAsync(runningId, laterId));
        Assert.Equal(0, await CountAsync(cancelledId));
    }

    private Task<SubmitResult> Accept(out string actionId, CancellationToken cancellationToken)
    {
        actionId = ActionIds.New();
        return fixture.Cluster.Client.GetGrain<IActionGrain>(actionId)
            .AcceptAsync(new ActionSubmission(null, "echo", """{"busy":true}""", null, "tester"), actionId, cancellationToken);
    }

    /// <summary>Waits until no earlier action of this cluster is still being written, so the parked writer holds ours.</summary>
    private Task SettledAsync() => fixture.SettledAsync();

    private Task QueuedAsync(int count) =>
        Eventually.ResultAsync(() => Task.FromResult(fixture.Ledger.Queued), TimeSpan.FromSeconds(10), n => n == count);

    private Task<long> CountAsync(params string[] ids) =>
        TestSql.CountAsync(fixture.Database, "SELECT COUNT(*) FROM sonia.actions WHERE action_id = ANY(@ids)", ("ids", ids));
}
