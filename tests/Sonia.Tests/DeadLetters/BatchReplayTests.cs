using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sonia.Grains.Interfaces.DeadLetters;
using Sonia.Tests.Actions;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.DeadLetters;

/// <summary>Batch replay over a queue larger than a page: order, coverage, a set-based dry run, and its rate limit.</summary>
[Collection(SoniaClusterCollection.Name)]
public sealed class BatchReplayTests(SoniaClusterFixture fixture)
{
    private readonly ActionsClient _actions = new(fixture.Http);

    [Fact]
    public async Task BatchReplay_OfMoreThan1000Records_GoesOldestFirstOverTheWholeQueue_NotTheNewest1000()
    {
        // An unregistered tool: every record is skipped (nothing runs), and the filter keeps other tests' records out.
        var seed = new DeadLetterSeed(fixture.Database, $"t.seed-{Guid.NewGuid():N}", 1500, WholeSeconds(DateTimeOffset.UtcNow.AddDays(-2)));
        await seed.InsertAsync();
        try
        {
            var (status, job) = await _actions.PostAsync("/v1/dlq/replay", new { tool = seed.Tool, dry_run = false, max_per_second = 100 });
            Assert.Equal(HttpStatusCode.Accepted, status);
            var jobId = job.GetProperty("job_id").GetString()!;
            await Eventually.ResultAsync(() => fixture.Http.GetFromJsonAsync<JsonElement>($"/v1/dlq/replays/{jobId}"), ActionsClient.Settle,
                j => j.GetProperty("done").GetInt32() >= 12);
            var (_, cancelled) = await _actions.PostAsync($"/v1/dlq/replays/{jobId}/cancel", null);

            Assert.Equal(1500, job.GetProperty("total").GetInt32());
            var taken = cancelled.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("dlq_id").GetString()!).ToList();
            Assert.True(taken.Count >= 12);
            Assert.Equal(seed.ReplayOrder().Take(taken.Count), taken);
            Assert.All(cancelled.GetProperty("items").EnumerateArray(), i => Assert.Equal("skipped", i.GetProperty("outcome").GetString()));
        }
        finally
        {
            await seed.DeleteAsync();
        }
    }

    [Fact]
    public async Task BatchReplay_RunsToTheEnd_AcrossPages_AndCountsEveryRecordOnce()
    {
        // 250 records: more than two of the job's 100-record pages.
        var seed = new DeadLetterSeed(fixture.Database, $"t.seed-{Guid.NewGuid():N}", 250, WholeSeconds(DateTimeOffset.UtcNow.AddDays(-3)));
        await seed.InsertAsync();
        try
        {
            var (_, job) = await _actions.PostAsync("/v1/dlq/replay", new { tool = seed.Tool, dry_run = false, max_per_second = 100 });
            var jobId = job.GetProperty("job_id").GetString()!;
            var done = await Eventually.ResultAsync(() => fixture.Http.GetFromJsonAsync<JsonElement>($"/v1/dlq/replays/{jobId}"), ActionsClient.Settle,
                j => j.GetProperty("status").GetString() == "completed");

            Assert.Equal(250, done.GetProperty("total").GetInt32());
            Assert.Equal(250, done.GetProperty("done").GetInt32());
            Assert.Equal(250, done.GetProperty("skipped").GetInt32());
            Assert.Equal(seed.ReplayOrder(), done.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("dlq_id").GetString()!).ToList());
        }
        finally
        {
            await seed.DeleteAsync();
        }
    }

    [Fact]
    public async Task BatchDryRun_Of10000Records_IsSetBased_AnswersWellWithinTheCallTimeout_AndChangesNothing()
    {
        // Dated far ahead, so `since` isolates them from every other record; deleted afterwards.
        var from = WholeSeconds(new DateTimeOffset(2200, 1, 1, 0, 0, 0, TimeSpan.Zero).AddDays(Random.Shared.Next(1, 30_000)));
        var seed = new DeadLetterSeed(fixture.Database, "note.save", 10_000, from);
        await seed.InsertAsync();
        try
        {
            var clock = Stopwatch.StartNew();
            var (status, preview) = await _actions.PostAsync("/v1/dlq/replay", new { tool = "note.save", since = from, dry_run = true });
            clock.Stop();

            Assert.Equal(HttpStatusCode.OK, status);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"the dry run took {clock.Elapsed}");
            Assert.Equal(10_000, preview.GetProperty("total").GetInt32());
            var reasons = preview.GetProperty("skip_reasons").EnumerateArray()
                .ToDictionary(r => r.GetProperty("reason").GetString()!, r => r.GetProperty("count").GetInt32());
            Assert.Equal(1000, reasons.Where(r => r.Key.StartsWith("args no longer valid", StringComparison.Ordinal)).Sum(r => r.Value));
            if (!reasons.Keys.Any(r => r.StartsWith("breaker", StringComparison.Ordinal)))
            {
                Assert.Equal(9000, preview.GetProperty("would_replay").GetInt32());
            }

            var verdicts = preview.GetProperty("verdicts").EnumerateArray().ToList();
            Assert.Equal(1000, verdicts.Count);
            Assert.Equal(seed.ReplayOrder().Take(1000), verdicts.Select(v => v.GetProperty("dlq_id").GetString()!));
            Assert.Equal(10_000, await TestSql.CountAsync(fixture.Database,
                "SELECT COUNT(*) FROM sonia.dead_letters WHERE dlq_id LIKE @like AND status = 'unresolved' AND resolved_at IS NULL", ("like", $"dlq_{seed.Prefix}%")));
        }
        finally
        {
            await seed.DeleteAsync();
        }
    }

    [Theory]
    [InlineData(1e-300)]
    [InlineData(0.001)]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(101)]
    public async Task BatchReplay_WithMaxPerSecondOutOfRange_Is400NamingTheFieldAndTheRange(double rate)
    {
        var (status, problem) = await _actions.PostAsync("/v1/dlq/replay", new { tool = $"t.none-{Guid.NewGuid():N}", dry_run = false, max_per_second = rate });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains("max_per_second", detail, StringComparison.Ordinal);
        Assert.Contains("between 0.01 and 100", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReplayJob_WithATinyRate_EndsFailedWithItsReason_InsteadOfOverflowingAndRestartingForever()
    {
        var jobId = DeadLetterIds.NewJob();
        var grain = fixture.Cluster.Client.GetGrain<IReplayJobGrain>(jobId);

        var started = await grain.StartAsync(new ReplayBatchSpec(null, $"t.none-{Guid.NewGuid():N}", null, null, 1e-300, "test"));
        var later = await grain.GetAsync();

        Assert.Equal("failed", started.Status);
        Assert.Contains("max_per_second", started.Reason, StringComparison.Ordinal);
        Assert.NotNull(started.FinishedAt);
        Assert.Equal("failed", later!.Status);
        Assert.Equal(0, await TestSql.CountAsync(fixture.Database, "SELECT COUNT(*) FROM orleansreminder WHERE grainid LIKE @like", ("like", $"%{jobId}%")));
        var view = await fixture.Http.GetFromJsonAsync<JsonElement>($"/v1/dlq/replays/{jobId}");
        Assert.Equal("failed", view.GetProperty("status").GetString());
        Assert.Contains("max_per_second", view.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    private static DateTimeOffset WholeSeconds(DateTimeOffset t) => new(t.Year, t.Month, t.Day, t.Hour, t.Minute, t.Second, TimeSpan.Zero);
}
