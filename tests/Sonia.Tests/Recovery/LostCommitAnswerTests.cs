using Sonia.Tests.Actions;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Recovery;

/// <summary>
/// Issue 13, drill 7's remaining case: a commit that landed but whose answer the database lost leaves the action grain
/// one version behind its row, so its next write is a version conflict. The grain used to step aside on that conflict
/// and wait for the recovery sweep (minutes: the action's lease names a live silo); now it reads the row again and
/// carries on at once. Leases here last minutes and the sweep runs every ten, so only the grain itself can end it.
/// </summary>
public sealed class LostCommitAnswerTests
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(60);

    [Fact]
    [Trait("Category", "Chaos")]
    public async Task RowMovedOnBehindTheGrain_NextWriteConflicts_TheGrainReadsItAgainAndFinishesTheAction()
    {
        await using var executor = await FakeExecutor.StartAsync();
        await using var own = await OwnDatabaseCluster.StartAsync(1, new Dictionary<string, string?>
        {
            ["Sonia:Actions:LeaseDuration"] = "00:05:00",
            ["Sonia:Actions:RecoveryInterval"] = "00:10:00",
            ["Sonia:Actions:Executors:fake:BaseUrl"] = executor.BaseUrl,
            ["Sonia:Actions:Tools:t.retry:Executor"] = "fake",
            ["Sonia:Actions:Tools:t.retry:Retry:BackoffBase"] = "00:00:04",
            ["Sonia:Actions:Tools:t.retry:Retry:BackoffCap"] = "00:00:04",
        });
        var actions = new ActionsClient(own.Http);

        // The first attempt fails; the retry is due 2-4 s later (jittered backoff). Queued with one attempt made: the action
        // is queued before its first attempt too, and bumping it then would race that attempt.
        var id = await actions.SubmitAcceptedAsync("t.retry",
            new { mode = "flaky", fail_first = 1, marker = Guid.NewGuid().ToString("N") });
        await Eventually.ResultAsync(() => TestSql.CountAsync(own.Database,
            "SELECT COUNT(*) FROM sonia.actions WHERE action_id = @id AND status = 'queued' AND attempts = 1", ("id", id)),
            Budget, n => n == 1);

        // What a lost commit answer leaves behind: the row is one version ahead of what the grain holds.
        var bumped = await TestSql.CountAsync(own.Database,
            "WITH b AS (UPDATE sonia.actions SET version = version + 1 "
            + "WHERE action_id = @id AND status = 'queued' AND attempts = 1 RETURNING 1) SELECT COUNT(*) FROM b", ("id", id));
        Assert.Equal(1, bumped);

        // Watched in the database, never through the API: reading the action would activate a fresh grain, which resumes it too.
        var ended = await Task.WhenAny(Eventually.ResultAsync(() => StatusAsync(own, id), Budget, s => s == "succeeded"));
        Assert.True(ended.IsCompletedSuccessfully,
            $"action {id} not succeeded {Budget.TotalSeconds:0} s after its row moved on (left to the recovery sweep): "
            + await StatusAsync(own, id));

        var action = await actions.GetAsync(id);
        var key = action.GetProperty("idempotency_key").GetString()!;
        Assert.Equal(1, executor.EffectsFor(key));
        Assert.Equal(2, action.GetProperty("attempts").GetInt32());
    }

    private static async Task<string?> StatusAsync(OwnDatabaseCluster own, string id) =>
        (string?)await TestSql.ScalarAsync(own.Database, "SELECT status FROM sonia.actions WHERE action_id = @id", ("id", id));
}
