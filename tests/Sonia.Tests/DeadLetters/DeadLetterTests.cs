using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Tests.Actions;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.DeadLetters;

[Collection(SoniaClusterCollection.Name)]
public sealed class DeadLetterTests(SoniaClusterFixture fixture)
{
    private readonly ActionsClient _actions = new(fixture.Http);

    [Fact]
    public async Task DeadLetter_CarriesTheFailureAndIsListedAndCounted()
    {
        var action = await DeadLetterMaker.DeadLetteredAsync(_actions);
        var dlqId = action.GetProperty("dlq_id").GetString()!;

        var record = await fixture.Http.GetFromJsonAsync<JsonElement>($"/v1/dlq/{dlqId}");
        var list = await fixture.Http.GetFromJsonAsync<JsonElement>("/v1/dlq?status=unresolved&failure_class=executor_error&tool=t.http&last_n=500");

        Assert.Equal(action.GetProperty("action_id").GetString(), record.GetProperty("action_id").GetString());
        Assert.Equal("executor_error", record.GetProperty("failure_class").GetString());
        Assert.Equal(3, record.GetProperty("attempts").GetInt32());
        Assert.Equal("unresolved", record.GetProperty("status").GetString());
        Assert.Equal(action.GetProperty("idempotency_key").GetString(), record.GetProperty("idempotency_key").GetString());
        Assert.Equal("flaky", record.GetProperty("args").GetProperty("mode").GetString());
        Assert.Contains(list.GetProperty("dead_letters").EnumerateArray(), d => d.GetProperty("dlq_id").GetString() == dlqId);
        Assert.True(list.GetProperty("unresolved_by_failure_class").GetProperty("executor_error").GetInt32() >= 1);
    }

    [Fact]
    [Trait("Category", "Chaos")] // issue 13, chaos drill 3
    public async Task DryRun_IsTheDefault_AndChangesNothing()
    {
        var action = await DeadLetterMaker.DeadLetteredAsync(_actions);
        var dlqId = action.GetProperty("dlq_id").GetString()!;
        var before = await DeadLetterMaker.SoniaDigestAsync(fixture.Database);

        var (status, verdict) = await _actions.PostAsync($"/v1/dlq/{dlqId}/replay", null);
        var (batchStatus, preview) = await _actions.PostAsync("/v1/dlq/replay", new { ids = new[] { dlqId } });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(verdict.GetProperty("dry_run").GetBoolean());
        Assert.True(verdict.GetProperty("would_replay").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, batchStatus);
        Assert.Equal(1, preview.GetProperty("would_replay").GetInt32());
        Assert.Equal(before, await DeadLetterMaker.SoniaDigestAsync(fixture.Database));
    }

    [Fact]
    [Trait("Category", "Chaos")] // issue 13, chaos drill 3
    public async Task RealReplay_ResolvesTheRecord_AndTheActionRunsAgainExactlyOnce_WithTheOriginalIds()
    {
        var correlationId = $"dlq-{Guid.NewGuid():N}";
        var original = await DeadLetterMaker.DeadLetteredAsync(_actions, correlationId);
        var dlqId = original.GetProperty("dlq_id").GetString()!;
        var key = original.GetProperty("idempotency_key").GetString()!;

        var (status, replay) = await _actions.PostAsync($"/v1/dlq/{dlqId}/replay?dry_run=false", null);
        var (again, conflict) = await _actions.PostAsync($"/v1/dlq/{dlqId}/replay?dry_run=false", null);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(HttpStatusCode.Conflict, again);
        Assert.Equal("replayed", conflict.GetProperty("status_of_record").GetString());
        var replayId = replay.GetProperty("replay_action_id").GetString()!;
        var replayed = await _actions.WaitAsync(replayId);
        ActionsClient.AssertStatus(ActionStatuses.Succeeded, replayed);
        Assert.Equal(original.GetProperty("action_id").GetString(), replayed.GetProperty("replay_of").GetString());
        Assert.Equal(correlationId, replayed.GetProperty("correlation_id").GetString());
        Assert.Equal(key, replayed.GetProperty("idempotency_key").GetString());
        Assert.All(fixture.Executor.For(replayId), r => Assert.Equal(correlationId, r.CorrelationId));
        // At the side-effect boundary, before the executor's own de-duplication: the 3 failed attempts, then one replay.
        Assert.Equal(4, fixture.Executor.RequestsFor(key));
        Assert.Equal(1, fixture.Executor.SuccessesFor(key));

        var record = await fixture.Http.GetFromJsonAsync<JsonElement>($"/v1/dlq/{dlqId}");
        Assert.Equal("replayed", record.GetProperty("status").GetString());
        Assert.Equal(replayId, record.GetProperty("replay_action_id").GetString());
        Assert.Equal(correlationId, record.GetProperty("correlation_id").GetString());
        Assert.NotNull(record.GetProperty("resolved_at").GetString());
    }

    [Fact]
    public async Task TwoConcurrentReplays_OnlyOneWins()
    {
        var original = await DeadLetterMaker.DeadLetteredAsync(_actions);
        var dlqId = original.GetProperty("dlq_id").GetString()!;

        var results = await Task.WhenAll(
            _actions.PostAsync($"/v1/dlq/{dlqId}/replay?dry_run=false", null),
            _actions.PostAsync($"/v1/dlq/{dlqId}/replay?dry_run=false", null));

        Assert.Single(results, r => r.Status == HttpStatusCode.OK);
        Assert.Single(results, r => r.Status == HttpStatusCode.Conflict);
        Assert.Equal(1, await TestSql.CountAsync(fixture.Database, "SELECT COUNT(*) FROM sonia.actions WHERE replay_of = @id", ("id", original.GetProperty("action_id").GetString()!)));
        var replayId = results.Single(r => r.Status == HttpStatusCode.OK).Body.GetProperty("replay_action_id").GetString()!;
        await _actions.WaitAsync(replayId);
        var key = original.GetProperty("idempotency_key").GetString()!;
        Assert.Equal(4, fixture.Executor.RequestsFor(key));
        Assert.Equal(1, fixture.Executor.SuccessesFor(key));
    }

    [Fact]
    public async Task Discard_ResolvesWithoutReplay_AndIsAudited()
    {
        var original = await DeadLetterMaker.DeadLetteredAsync(_actions);
        var dlqId = original.GetProperty("dlq_id").GetString()!;
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/dlq/{dlqId}/discard") { Content = JsonContent.Create(new { reason = "customer cancelled" }) };
        request.Headers.Add("X-Actor", "bob");

        using var response = await fixture.Http.SendAsync(request);
        var (replay, _) = await _actions.PostAsync($"/v1/dlq/{dlqId}/replay?dry_run=false", null);
        var (dry, verdict) = await _actions.PostAsync($"/v1/dlq/{dlqId}/replay", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var record = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("discarded", record.GetProperty("status").GetString());
        // X-Actor is not believed: the actor is the authenticated key, "local" in open local mode.
        Assert.Equal("local", record.GetProperty("resolved_by").GetString());
        Assert.Equal("customer cancelled", record.GetProperty("resolution_reason").GetString());
        Assert.Equal(HttpStatusCode.Conflict, replay);
        Assert.Equal(HttpStatusCode.OK, dry);
        Assert.False(verdict.GetProperty("would_replay").GetBoolean());
        Assert.Contains("discarded", verdict.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));
        var audit = (await _actions.GetAsync(original.GetProperty("action_id").GetString()!)).GetProperty("audit").EnumerateArray().Last();
        Assert.Equal("local", audit.GetProperty("actor").GetString());
        Assert.Contains("discarded", audit.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task DryRun_SaysWhyNot_WhenTheBreakerIsIsolated()
    {
        var original = await DeadLetterMaker.DeadLetteredAsync(_actions);
        var dlqId = original.GetProperty("dlq_id").GetString()!;
        await _actions.PostAsync("/v1/breakers/executor.fake/isolate", new { reason = "test" });
        try
        {
            var (_, verdict) = await _actions.PostAsync($"/v1/dlq/{dlqId}/replay", null);
            var (real, refused) = await _actions.PostAsync($"/v1/dlq/{dlqId}/replay?dry_run=false", null);

            Assert.False(verdict.GetProperty("would_replay").GetBoolean());
            Assert.Contains(verdict.GetProperty("reasons").EnumerateArray(), r => r.GetString()!.Contains("breaker 'executor.fake' is isolated"));
            Assert.Equal(HttpStatusCode.Conflict, real);
            Assert.Equal("unresolved", refused.GetProperty("status_of_record").GetString());
        }
        finally
        {
            await _actions.PostAsync("/v1/breakers/executor.fake/reset", new { reason = "test over" });
        }
    }

    [Fact]
    public async Task BatchReplay_RunsAsAJob_WithProgress_AtTheRateLimit()
    {
        var originals = new List<JsonElement>();
        for (var i = 0; i < 4; i++)
        {
            originals.Add(await DeadLetterMaker.DeadLetteredAsync(_actions));
        }

        var ids = originals.Select(o => o.GetProperty("dlq_id").GetString()!).ToArray();
        var (status, job) = await _actions.PostAsync("/v1/dlq/replay", new { ids, dry_run = false, max_per_second = 4 });

        Assert.Equal(HttpStatusCode.Accepted, status);
        var jobId = job.GetProperty("job_id").GetString()!;
        var done = await Eventually.ResultAsync(() => fixture.Http.GetFromJsonAsync<JsonElement>($"/v1/dlq/replays/{jobId}"), ActionsClient.Settle,
            j => j.GetProperty("status").GetString() == "completed");
        Assert.Equal(4, done.GetProperty("total").GetInt32());
        Assert.Equal(4, done.GetProperty("done").GetInt32());
        Assert.Equal(4, done.GetProperty("replayed").GetInt32());
        Assert.Equal(0, done.GetProperty("failed").GetInt32() + done.GetProperty("skipped").GetInt32());

        var replays = new List<JsonElement>();
        foreach (var item in done.GetProperty("items").EnumerateArray())
        {
            replays.Add(await _actions.GetAsync(item.GetProperty("replay_action_id").GetString()!));
        }

        // At 4 per second, four replays take at least three quarter-second gaps.
        var created = replays.Select(r => r.GetProperty("created_at").GetDateTimeOffset()).Order().ToList();
        Assert.True(created[^1] - created[0] >= TimeSpan.FromMilliseconds(700), $"replays were created over {created[^1] - created[0]}");
        foreach (var original in originals)
        {
            Assert.Equal(1, await TestSql.CountAsync(fixture.Database, "SELECT COUNT(*) FROM sonia.actions WHERE replay_of = @id", ("id", original.GetProperty("action_id").GetString()!)));
        }
    }

    [Fact]
    public async Task BatchReplay_CanBeCancelled()
    {
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await DeadLetterMaker.DeadLetteredAsync(_actions)).GetProperty("dlq_id").GetString()!);
        }

        var (_, job) = await _actions.PostAsync("/v1/dlq/replay", new { ids, dry_run = false, max_per_second = 0.5 });
        var jobId = job.GetProperty("job_id").GetString()!;
        var (status, cancelled) = await _actions.PostAsync($"/v1/dlq/replays/{jobId}/cancel", null);
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        var later = await fixture.Http.GetFromJsonAsync<JsonElement>($"/v1/dlq/replays/{jobId}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        Assert.Equal(cancelled.GetProperty("done").GetInt32(), later.GetProperty("done").GetInt32());
        Assert.True(later.GetProperty("done").GetInt32() < 3);
    }

    [Theory]
    [InlineData("/v1/dlq?status=bogus")]
    [InlineData("/v1/dlq?failure_class=bogus")]
    [InlineData("/v1/dlq?last_n=0")]
    [InlineData("/v1/dlq/not-an-id")]
    [InlineData("/v1/dlq/replays/nope")]
    public async Task BadQueries_Are400(string path)
    {
        using var response = await fixture.Http.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task BadBatch_Is400_AndStartsNothing()
    {
        var (status, _) = await _actions.PostAsync("/v1/dlq/replay", new { dry_run = false, max_per_second = 0 });
        var (unknown, _) = await _actions.PostAsync("/v1/dlq/replay", new { dry_run = false, ids = new[] { "x" } });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(HttpStatusCode.BadRequest, unknown);
    }

    [Fact]
    public async Task ResolvedRecordsPastRetention_AreDeleted_UnresolvedNever()
    {
        var resolved = await DeadLetterMaker.DeadLetteredAsync(_actions);
        var unresolved = await DeadLetterMaker.DeadLetteredAsync(_actions);
        var ancient = DateTimeOffset.UtcNow.AddDays(-400);
        await TestSql.ScalarAsync(fixture.Database, "UPDATE sonia.dead_letters SET status = 'discarded', resolved_at = @at WHERE dlq_id = @id",
            ("at", ancient), ("id", resolved.GetProperty("dlq_id").GetString()!));
        await TestSql.ScalarAsync(fixture.Database, "UPDATE sonia.dead_letters SET created_at = @at WHERE dlq_id = @id",
            ("at", ancient), ("id", unresolved.GetProperty("dlq_id").GetString()!));

        await fixture.Cluster.Client.GetGrain<IActionRecoveryGrain>(IActionRecoveryGrain.ClusterKey).SweepAsync();

        Assert.Equal(0, await TestSql.CountAsync(fixture.Database, "SELECT COUNT(*) FROM sonia.dead_letters WHERE dlq_id = @id", ("id", resolved.GetProperty("dlq_id").GetString()!)));
        Assert.Equal(1, await TestSql.CountAsync(fixture.Database, "SELECT COUNT(*) FROM sonia.dead_letters WHERE dlq_id = @id", ("id", unresolved.GetProperty("dlq_id").GetString()!)));
    }

    [Fact]
    public async Task NoteSaveDeadLetteredByTheBreaker_ReplayedTwice_WritesOneMemoryRow()
    {
        var marker = $"dlq-note-{Guid.NewGuid():N}";
        await _actions.PostAsync("/v1/breakers/executor/isolate", new { reason = "test" });
        JsonElement original;
        try
        {
            // note.save waits at most 2 s for its breaker in this fixture, then dead-letters as breaker_open.
            original = await _actions.WaitAsync(await _actions.SubmitAcceptedAsync("note.save", new { text = marker }));
        }
        finally
        {
            await _actions.PostAsync("/v1/breakers/executor/reset", new { reason = "test over" });
        }

        ActionsClient.AssertStatus(ActionStatuses.DeadLettered, original);
        Assert.Equal("breaker_open", original.GetProperty("failure_class").GetString());
        var dlqId = original.GetProperty("dlq_id").GetString()!;
        var (status, replay) = await _actions.PostAsync($"/v1/dlq/{dlqId}/replay?dry_run=false", null);
        var (again, _) = await _actions.PostAsync($"/v1/dlq/{dlqId}/replay?dry_run=false", null);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(HttpStatusCode.Conflict, again);
        ActionsClient.AssertStatus(ActionStatuses.Succeeded, await _actions.WaitAsync(replay.GetProperty("replay_action_id").GetString()!));
        Assert.Equal(1, await TestSql.CountAsync(fixture.Database, "SELECT COUNT(*) FROM sonia.memories WHERE text = @text", ("text", marker)));
    }
}
