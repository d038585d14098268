using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Sonia.Grains.Actions.Tools;
using Sonia.Grains.Retention;
using Sonia.Hosting.Database;
using Sonia.Tests.Infrastructure;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace Sonia.Tests.Retention;

/// <summary>The purge against real PostgreSQL, with explicit timestamps: what goes, what stays, and in what batches.</summary>
public sealed class RetentionPurgerTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Old = Now.AddDays(-40);
    private static readonly DateTimeOffset Recent = Now.AddDays(-5);

    [Fact]
    public async Task Purge_DeletesOldTerminalActionsWithTheirAuditAttemptsAndExecutions_KeepsRecentUnfinishedAndReferencedOnes()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("retention_purge");
        var rows = new Rows(database);
        await rows.ActionAsync("act_old_succeeded", "succeeded", Old, "key-old", execution: true);
        await rows.ActionAsync("act_old_denied", "denied", Old, "key-denied");
        await rows.ActionAsync("act_recent", "succeeded", Recent, "key-recent", execution: true);
        await rows.ActionAsync("act_old_queued", "queued", Old, "key-queued");
        await rows.ActionAsync("act_old_awaiting", "awaiting_confirmation", Old, "key-awaiting");
        await rows.ActionAsync("act_unresolved", "dead_lettered", Old, "key-unresolved", execution: true);
        await rows.DeadLetterAsync("dlq_unresolved", "act_unresolved", "key-unresolved", resolvedAt: null);
        await rows.ActionAsync("act_resolved_long_ago", "dead_lettered", Old, "key-resolved-old");
        await rows.DeadLetterAsync("dlq_resolved_long_ago", "act_resolved_long_ago", "key-resolved-old", resolvedAt: Old);
        await rows.ActionAsync("act_resolved_lately", "dead_lettered", Old, "key-resolved-new");
        await rows.DeadLetterAsync("dlq_resolved_lately", "act_resolved_lately", "key-resolved-new", resolvedAt: Recent);
        // A replay shares its original's key: the execution record stays while the replay does.
        await rows.ActionAsync("act_original", "dead_lettered", Old, "key-shared", execution: true);
        await rows.ActionAsync("act_replay", "succeeded", Recent, "key-shared", replayOf: "act_original");

        var purged = await Purger(database, new RetentionOptions()).PurgeAsync(Now);

        Assert.Equal(new RetentionPurge(DeadLetters: 1, Actions: 4, Executions: 1, Sessions: 0), purged);
        foreach (var gone in new[] { "act_old_succeeded", "act_old_denied", "act_resolved_long_ago", "act_original" })
        {
            Assert.Equal(0, await rows.EverywhereAsync(gone));
        }

        foreach (var kept in new[] { "act_recent", "act_old_queued", "act_old_awaiting", "act_unresolved", "act_resolved_lately", "act_replay" })
        {
            Assert.Equal(3, await rows.EverywhereAsync(kept));
        }

        Assert.Equal(0, await rows.CountAsync("SELECT COUNT(*) FROM sonia.executions WHERE idempotency_key = 'key-old'"));
        Assert.Equal(1, await rows.CountAsync("SELECT COUNT(*) FROM sonia.executions WHERE idempotency_key = 'key-recent'"));
        Assert.Equal(1, await rows.CountAsync("SELECT COUNT(*) FROM sonia.executions WHERE idempotency_key = 'key-unresolved'"));
        Assert.Equal(1, await rows.CountAsync("SELECT COUNT(*) FROM sonia.executions WHERE idempotency_key = 'key-shared'"));
        Assert.Equal(0, await rows.CountAsync("SELECT COUNT(*) FROM sonia.dead_letters WHERE dlq_id = 'dlq_resolved_long_ago'"));
        Assert.Equal(2, await rows.CountAsync("SELECT COUNT(*) FROM sonia.dead_letters WHERE dlq_id IN ('dlq_unresolved', 'dlq_resolved_lately')"));

        // Once the replay ages out too, its key's execution record follows it.
        var later = await Purger(database, new RetentionOptions()).PurgeAsync(Now.AddDays(40));
        Assert.Equal(0, await rows.EverywhereAsync("act_replay"));
        Assert.Equal(0, await rows.CountAsync("SELECT COUNT(*) FROM sonia.executions WHERE idempotency_key = 'key-shared'"));
        Assert.Equal(3, await rows.EverywhereAsync("act_unresolved"));
        Assert.True(later.Actions >= 2);
    }

    [Fact]
    public async Task Purge_GoesOldestFirst_InBatches_AndStopsAtTheSweepLimit()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("retention_batches");
        var rows = new Rows(database);
        for (var i = 0; i < 7; i++)
        {
            await rows.ActionAsync($"act_batch_{i}", "succeeded", Old.AddMinutes(i), $"key-batch-{i}");
        }

        var first = await Purger(database, new RetentionOptions { BatchSize = 2, MaxBatchesPerSweep = 2 }).PurgeAsync(Now);

        Assert.Equal(4, first.Actions);
        Assert.Equal(0, await rows.CountAsync("SELECT COUNT(*) FROM sonia.actions WHERE action_id IN ('act_batch_0', 'act_batch_1', 'act_batch_2', 'act_batch_3')"));
        Assert.Equal(3, await rows.CountAsync("SELECT COUNT(*) FROM sonia.actions WHERE action_id LIKE 'act_batch_%'"));
        var second = await Purger(database, new RetentionOptions { BatchSize = 2, MaxBatchesPerSweep = 2 }).PurgeAsync(Now);
        Assert.Equal(3, second.Actions);
    }

    [Fact]
    public async Task Purge_DeletesSessionsIdlePastTheirRetention_AndNoOtherGrainState()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("retention_sessions");
        var rows = new Rows(database);
        await rows.GrainStateAsync("svc", "session", "ses_idle", Old);
        await rows.GrainStateAsync("svc", "session", "ses_active", Recent);
        await rows.GrainStateAsync("svc", "breaker", "executor", Old);
        await rows.GrainStateAsync("other-service", "session", "ses_elsewhere", Old);

        var purged = await Purger(database, new RetentionOptions()).PurgeAsync(Now);

        Assert.Equal(1, purged.Sessions);
        Assert.Equal(0, await rows.CountAsync("SELECT COUNT(*) FROM orleansstorage WHERE grainidextensionstring = 'ses_idle'"));
        Assert.Equal(3, await rows.CountAsync("SELECT COUNT(*) FROM orleansstorage"));
    }

    private static RetentionPurger Purger(DatabaseOptions database, RetentionOptions retention) =>
        new(database, MsOptions.Create(retention), new ActionsOptions(), MsOptions.Create(new ClusterOptions { ServiceId = "svc" }));

    private sealed class Rows(DatabaseOptions database)
    {
        public async Task ActionAsync(string id, string status, DateTimeOffset at, string key, bool execution = false, string? replayOf = null)
        {
            await TestSql.ScalarAsync(database, """
                INSERT INTO sonia.actions (action_id, tool, args, args_hash, request_hash, idempotency_key, status, requires_confirmation,
                    attempts, correlation_id, replay_of, created_at, updated_at, version)
                VALUES (@id, 'echo', '{}', repeat('0', 64), repeat('0', 64), @key, @status, false, 1, 'c', @replay_of, @at, @at, 1)
                """, ("id", id), ("key", key), ("status", status), ("replay_of", (object?)replayOf ?? DBNull.Value), ("at", at));
            await TestSql.ScalarAsync(database,
                "INSERT INTO sonia.action_audit (action_id, from_status, to_status, at, actor, correlation_id) VALUES (@id, NULL, 'accepted', @at, 'a', 'c')",
                ("id", id), ("at", at));
            await TestSql.ScalarAsync(database,
                "INSERT INTO sonia.action_attempts (action_id, attempt, started_at, correlation_id) VALUES (@id, 1, @at, 'c')", ("id", id), ("at", at));
            if (execution)
            {
                await TestSql.ScalarAsync(database,
                    "INSERT INTO sonia.executions (idempotency_key, action_id, tool, result, executed_at) VALUES (@key, @id, 'echo', '', @at)",
                    ("key", key), ("id", id), ("at", at.AddSeconds(-1)));
            }
        }

        public Task DeadLetterAsync(string dlqId, string actionId, string key, DateTimeOffset? resolvedAt) => TestSql.ScalarAsync(database, """
            INSERT INTO sonia.dead_letters (dlq_id, action_id, correlation_id, failure_class, attempts, tool, args, idempotency_key, status,
                created_at, resolved_at)
            VALUES (@dlq, @action, 'c', 'unknown', 1, 'echo', '{}', @key, @status, @created, @resolved)
            """, ("dlq", dlqId), ("action", actionId), ("key", key), ("status", resolvedAt is null ? "unresolved" : "discarded"),
            ("created", Old), ("resolved", (object?)resolvedAt ?? DBNull.Value));

        public Task GrainStateAsync(string serviceId, string grainType, string key, DateTimeOffset modifiedOn) => TestSql.ScalarAsync(database, """
            INSERT INTO orleansstorage (serviceid, graintypestring, grainidn0, grainidn1, grainidextensionstring, grainidhash, graintypehash,
                payloadbinary, version, modifiedon)
            VALUES (@service, @type, 0, 0, @key, 0, 0, NULL, 1, @at)
            """, ("service", serviceId), ("type", grainType), ("key", key), ("at", modifiedOn));

        /// <summary>1 for each of: the action row, an audit row, an attempt row.</summary>
        public async Task<long> EverywhereAsync(string actionId) =>
            await CountAsync($"SELECT COUNT(*) FROM sonia.actions WHERE action_id = '{actionId}'")
            + await CountAsync($"SELECT COUNT(*) FROM sonia.action_audit WHERE action_id = '{actionId}'")
            + await CountAsync($"SELECT COUNT(*) FROM sonia.action_attempts WHERE action_id = '{actionId}'");

        public Task<long> CountAsync(string sql) => TestSql.CountAsync(database, sql);
    }
}
