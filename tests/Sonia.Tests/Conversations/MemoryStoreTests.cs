using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sonia.Grains.Actions.Tools;
using Sonia.Grains.Conversations;
using Sonia.Grains.Conversations.Memory;
using Sonia.Hosting.Database;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Conversations;

/// <summary>The built-in store on live PostgreSQL (its T-SQL twin parsed), and the HTTP adapter chosen by configuration.</summary>
public sealed class MemoryStoreTests
{
    [Fact]
    public async Task BuiltIn_RanksByMatchedTerms_WithinTheSessionOnly()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("memory_session");
        await InsertMemoryAsync(database, "mem_a", "ses_1", "the red bicycle is in the garage");
        await InsertMemoryAsync(database, "mem_b", "ses_1", "the garage door sticks");
        await InsertMemoryAsync(database, "mem_c", "ses_2", "the red bicycle has a flat tyre");
        var store = new SqlMemoryStore(database, new MemoryOptions());

        var query = new MemoryQuery("ses_1", "alice", "Where is the red bicycle's garage?", 5);
        var hits = await store.SearchAsync(query, CancellationToken.None);

        Assert.Equal(["mem_a", "mem_b"], hits.Select(h => h.MemoryId));
        Assert.True(hits[0].Score > hits[1].Score);
        Assert.Empty(await store.SearchAsync(new MemoryQuery("ses_1", "alice", "what is it?", 5), CancellationToken.None));
    }

    [Fact]
    public async Task BuiltIn_UserScope_FindsTheOwnersOtherSessions_NotOthers()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("memory_user");
        await InsertMemoryAsync(database, "mem_own", "ses_old", "the boat is blue");
        await InsertMemoryAsync(database, "mem_other", "ses_theirs", "the boat is green");
        await InsertActionAsync(database, "act_1", "ses_old", "assistant:alice");
        await InsertActionAsync(database, "act_2", "ses_theirs", "bob");
        var store = new SqlMemoryStore(database, new MemoryOptions { Scope = MemoryOptions.UserScope });

        var hits = await store.SearchAsync(new MemoryQuery("ses_new", "alice", "what colour is the boat", 5), CancellationToken.None);

        Assert.Equal("mem_own", Assert.Single(hits).MemoryId);
    }

    [Fact]
    public void SqlServerStatements_Parse()
    {
        TSqlScripts.AllParse(MemorySql.For(DatabaseProvider.SqlServer).All());
    }

    [Fact]
    public async Task HttpStore_SelectedByConfiguration_PostsTheQueryAndReadsTheResults()
    {
        var received = new List<(JsonObject Body, string Authorization, string CorrelationId)>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        await using var app = builder.Build();
        app.MapPost("/search", async (HttpContext context) =>
        {
            received.Add(((await JsonNode.ParseAsync(context.Request.Body))!.AsObject(), context.Request.Headers.Authorization.ToString(),
                context.Request.Headers["X-Correlation-ID"].ToString()));
            return Results.Json(new { results = new[] { new { memory_id = "ext_1", text = "from outside", score = 0.75 } } });
        });
        await app.StartAsync();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sonia:Memory:Store"] = "http",
            ["Sonia:Memory:BaseUrl"] = app.Urls.First(),
            ["Sonia:Memory:ApiKey"] = "mem-secret",
            ["Sonia:Memory:Scope"] = "user",
        }).Build();
        var services = new ServiceCollection().AddLogging()
            .AddSoniaConversations(configuration, ActionsOptions.Bind(configuration), new DatabaseOptions())
            .BuildServiceProvider();
        var store = services.GetRequiredService<IMemoryStore>();
        Orleans.Runtime.RequestContext.Set(Sonia.Hosting.Correlation.CorrelationId.Key, "mem-corr-1");

        var hits = await store.SearchAsync(new MemoryQuery("ses_1", "alice", "anything", 3), CancellationToken.None);

        Assert.IsType<HttpMemoryStore>(store);
        Assert.Equal(new Sonia.Grains.Interfaces.Sessions.MemoryHit("ext_1", "from outside", 0.75), Assert.Single(hits));
        var (body, authorization, correlationId) = Assert.Single(received);
        Assert.Equal(("anything", "ses_1", "alice", "user", 3),
            (body["query"]!.GetValue<string>(), body["session_id"]!.GetValue<string>(), body["owner"]!.GetValue<string>(),
             body["scope"]!.GetValue<string>(), body["limit"]!.GetValue<int>()));
        Assert.Equal(("Bearer mem-secret", "mem-corr-1"), (authorization, correlationId));
        Orleans.Runtime.RequestContext.Clear();
    }

    [Fact]
    public void HttpStore_WithoutBaseUrl_StopsStartUpNamingTheSetting()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Sonia:Memory:Store"] = "http" })
            .Build();

        var error = Assert.Throws<Sonia.Hosting.Cluster.StartupException>(() =>
            new ServiceCollection().AddSoniaConversations(configuration, ActionsOptions.Bind(configuration), new DatabaseOptions()));

        Assert.Contains("Sonia:Memory", error.Message);
        Assert.Contains("BaseUrl", error.Message);
    }

    private static Task InsertMemoryAsync(DatabaseOptions database, string id, string session, string text) =>
        TestSql.ScalarAsync(database,
            "INSERT INTO sonia.memories (memory_id, session_id, text, created_at, correlation_id) VALUES (@id, @s, @t, now(), 'test')",
            ("id", id), ("s", session), ("t", text));

    private static Task InsertActionAsync(DatabaseOptions database, string id, string session, string submittedBy) =>
        TestSql.ScalarAsync(database,
            "INSERT INTO sonia.actions (action_id, session_id, tool, args, args_hash, request_hash, idempotency_key, status, " +
            "requires_confirmation, correlation_id, created_at, updated_at, version, submitted_by) VALUES (@id, @s, 'note.save', '{}', " +
            "repeat('0', 64), repeat('0', 64), @id, 'succeeded', false, 'test', now(), now(), 1, @by)",
            ("id", id), ("s", session), ("by", submittedBy));
}
