using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Tests.Actions;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Conversations;

/// <summary>Turns through the OpenAI-compatible router, against a scripted chat server on loopback.</summary>
[Collection(ConversationCollection.Name)]
public sealed class OpenAiRouterTurnTests(ConversationClusterFixture fixture)
{
    private readonly TurnsClient _turns = new(fixture.Http);
    private readonly ActionsClient _actions = new(fixture.Http);

    [Fact]
    public async Task Turn_PassesMemoriesHistoryAndToolSchemasToTheRouter()
    {
        var session = await _turns.OpenAsync();
        var fact = $"kiwi{Guid.NewGuid():N}";
        var saving = $"save-{Guid.NewGuid():N}";
        fixture.Chat.Script(saving, ChatReply.WithToolCalls("Saved.", ("note__save", $$"""{"text":"the locker code is {{fact}}"}""")));
        var saved = await _turns.TurnOkAsync(session, $"remember the locker code {fact} {saving}");
        var note = Assert.Single(saved.GetProperty("actions").EnumerateArray());
        Assert.Equal(ActionStatuses.Succeeded, note.GetProperty("status").GetString());
        var saveAction = await _actions.GetAsync(note.GetProperty("action_id").GetString()!);
        var memoryId = saveAction.GetProperty("result").GetProperty("memory_id").GetString()!;

        var asking = $"ask-{Guid.NewGuid():N}";
        fixture.Chat.Script(asking, ChatReply.Text($"The locker code is {fact}."));
        var answer = await _turns.TurnOkAsync(session, $"what is the locker code {fact} {asking}");

        Assert.Equal($"The locker code is {fact}.", answer.GetProperty("assistant_text").GetString());
        var found = Assert.Single(answer.GetProperty("memories").EnumerateArray());
        Assert.Equal(memoryId, found.GetProperty("memory_id").GetString());
        Assert.True(found.GetProperty("score").GetDouble() > 0);
        var request = Assert.Single(fixture.Chat.For(asking)).Body;
        var messages = request["messages"]!.AsArray();
        Assert.Equal("fake-model", request["model"]!.GetValue<string>());
        Assert.Contains($"[{memoryId}] the locker code is {fact}", messages[0]!["content"]!.GetValue<string>());
        Assert.Equal(["system", "user", "assistant", "user"], messages.Select(m => m!["role"]!.GetValue<string>()));
        Assert.Equal("Saved.", messages[2]!["content"]!.GetValue<string>());
        var tools = request["tools"]!.AsArray().Select(t => t!["function"]!).ToDictionary(f => f["name"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(Grains.Actions.Tools.BuiltInTools.Defaults(false)["note.save"].ArgsSchema!),
            tools["note__save"]["parameters"]));
        Assert.Contains("note__delete", tools.Keys);
        Assert.DoesNotContain(tools.Keys, name => name.StartsWith("drill", StringComparison.Ordinal));
        Assert.Equal($"Bearer {ConversationClusterFixture.RouterApiKey}", fixture.Chat.For(asking)[0].Authorization);
    }

    [Fact]
    public async Task ToolCall_BecomesAnAssistantAction_WithTheTurnsCorrelationIdInEveryRecordAndLogLine()
    {
        var session = await _turns.OpenAsync();
        var marker = $"corr-{Guid.NewGuid():N}";
        var correlationId = $"turn-{Guid.NewGuid():N}";
        fixture.Chat.Script(marker, ChatReply.WithToolCalls("Echoing.", ("echo", """{"said":"hello"}""")));

        var turn = await _turns.TurnOkAsync(session, $"echo something {marker}", correlationId);

        Assert.Equal(correlationId, turn.GetProperty("correlation_id").GetString());
        var turnId = turn.GetProperty("turn_id").GetString()!;
        var actionId = Assert.Single(turn.GetProperty("actions").EnumerateArray()).GetProperty("action_id").GetString()!;
        var action = await _actions.GetAsync(actionId);
        Assert.Equal(correlationId, action.GetProperty("correlation_id").GetString());
        Assert.Equal(session, action.GetProperty("session_id").GetString());
        Assert.Equal("assistant:local", action.GetProperty("submitted_by").GetString());
        Assert.All(action.GetProperty("audit").EnumerateArray(),
            a => Assert.Equal(correlationId, a.GetProperty("correlation_id").GetString()));
        Assert.Equal(0L, await TestSql.CountAsync(fixture.Database,
            "SELECT COUNT(*) FROM sonia.action_audit WHERE action_id = @id AND correlation_id <> @c",
            ("id", actionId), ("c", correlationId)));
        Assert.Equal(correlationId, Assert.Single(fixture.Chat.For(marker)).CorrelationId);

        var lines = await fixture.SiloLogLinesAsync(
            all => all.Any(l => Is(l, "tool_log", "action_id", actionId)) && all.Any(l => Is(l, "turn_log", "turn_id", turnId)));
        var turnLine = Assert.Single(lines, l => Is(l, "turn_log", "turn_id", turnId));
        Assert.Equal(correlationId, turnLine.GetProperty("correlation_id").GetString());
        Assert.Equal(session, turnLine.GetProperty("session_id").GetString());
        foreach (var stage in new[] { "total_ms", "memory_ms", "router_ms", "actions_ms" })
        {
            Assert.True(turnLine.GetProperty(stage).GetDouble() >= 0, stage);
        }

        Assert.All(lines.Where(l => Is(l, "tool_log", "action_id", actionId)),
            l => Assert.Equal(correlationId, l.GetProperty("correlation_id").GetString()));
    }

    [Fact]
    public async Task MalformedToolCalls_GoToErrorLog_AndTheTurnKeepsItsTextAndGoodCalls()
    {
        var session = await _turns.OpenAsync();
        var marker = $"bad-{Guid.NewGuid():N}";
        fixture.Chat.Script(marker, ChatReply.WithToolCalls("Here you go.",
            ("echo", "{not json"), ("no__such__tool", "{}"), ("echo", "[1,2]"), ("echo", """{"ok":true}""")));

        var turn = await _turns.TurnOkAsync(session, $"do things {marker}");

        Assert.Equal("Here you go.", turn.GetProperty("assistant_text").GetString());
        Assert.False(turn.GetProperty("degraded").GetBoolean());
        Assert.Single(turn.GetProperty("actions").EnumerateArray());
        var errors = turn.GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Equal(3, errors.Count);
        Assert.All(errors, e => Assert.StartsWith("tool_call_invalid: ", e));
        var turnId = turn.GetProperty("turn_id").GetString()!;
        var lines = await fixture.SiloLogLinesAsync(all => all.Count(l => Is(l, "error_log", "turn_id", turnId)) == 3);
        Assert.All(lines.Where(l => Is(l, "error_log", "turn_id", turnId)),
            l => Assert.Equal("tool_call_invalid", l.GetProperty("code").GetString()));
    }

    [Fact]
    public async Task RouterAnswering500_TurnCompletesDegraded()
    {
        var session = await _turns.OpenAsync();
        var marker = $"500-{Guid.NewGuid():N}";
        fixture.Chat.Script(marker, ChatReply.Failing(500));

        var turn = await _turns.TurnOkAsync(session, $"hello {marker}");

        Assert.True(turn.GetProperty("degraded").GetBoolean());
        Assert.StartsWith("router_unavailable: router: router answered 500", turn.GetProperty("errors")[0].GetString());
        Assert.StartsWith("I cannot reach my router right now", turn.GetProperty("assistant_text").GetString());
        Assert.Empty(turn.GetProperty("actions").EnumerateArray());
        var (_, stored) = await _turns.GetSessionAsync(session);
        Assert.True(Assert.Single(stored.GetProperty("turns").EnumerateArray()).GetProperty("degraded").GetBoolean());
    }

    [Fact]
    public async Task SlowRouter_TurnCompletesDegradedAtTheTimeout()
    {
        var session = await _turns.OpenAsync();
        var marker = $"slow-{Guid.NewGuid():N}";
        fixture.Chat.Script(marker, ChatReply.Text("too late") with { DelayMs = 20_000 });

        var watch = Stopwatch.StartNew();
        var turn = await _turns.TurnOkAsync(session, $"hello {marker}");

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"the turn took {watch.Elapsed}");
        Assert.True(turn.GetProperty("degraded").GetBoolean());
        Assert.Equal("router_unavailable: router: no answer in time", turn.GetProperty("errors")[0].GetString());
    }

    [Fact]
    public async Task RouterBreakerIsolated_TurnCompletesDegradedWithoutCallingTheRouter()
    {
        var session = await _turns.OpenAsync();
        var marker = $"open-{Guid.NewGuid():N}";

        var (turn, text) = await DegradedTurnWhileIsolatedAsync("router", session, marker);

        Assert.Contains("the breaker of 'router' is Isolated", turn.GetProperty("errors")[0].GetString());
        Assert.Empty(fixture.Chat.For(text));
    }

    [Fact]
    public async Task MemoryBreakerIsolated_TurnGoesOnWithoutMemories_AndStillAsksTheRouter()
    {
        var session = await _turns.OpenAsync();
        var marker = $"nomem-{Guid.NewGuid():N}";
        fixture.Chat.Script(marker, ChatReply.Text("Answered without memories."));

        var (turn, _) = await DegradedTurnWhileIsolatedAsync("memory", session, marker);

        Assert.StartsWith("memory_unavailable: memory: the breaker of 'memory' is Isolated", turn.GetProperty("errors")[0].GetString());
        Assert.Equal("Answered without memories.", turn.GetProperty("assistant_text").GetString());
        Assert.Empty(turn.GetProperty("memories").EnumerateArray());
        Assert.NotEmpty(fixture.Chat.For(marker));
    }

    [Fact]
    public async Task History_IsBoundedPerSession_AndTheRouterSeesOnlyTheConfiguredRecentTurns()
    {
        var session = await _turns.OpenAsync();
        var marker = $"hist-{Guid.NewGuid():N}";
        for (var i = 1; i <= 6; i++)
        {
            await _turns.TurnOkAsync(session, $"turn {i} {marker}");
        }

        var (_, stored) = await _turns.GetSessionAsync(session);
        Assert.Equal(6, stored.GetProperty("turn_count").GetInt32());
        Assert.Equal(["turn 3", "turn 4", "turn 5", "turn 6"],
            stored.GetProperty("turns").EnumerateArray().Select(t => t.GetProperty("user_text").GetString()![..6]));
        var last = fixture.Chat.For(marker).Single(r => r.LastUserText.StartsWith("turn 6", StringComparison.Ordinal));
        var users = last.Body["messages"]!.AsArray()
            .Where(m => m!["role"]!.GetValue<string>() == "user")
            .Select(m => m!["content"]!.GetValue<string>()[..6]);
        Assert.Equal(["turn 3", "turn 4", "turn 5", "turn 6"], users);
    }

    [Fact]
    public async Task RouterApiKey_NeverAppearsInTheSiloLogs()
    {
        var session = await _turns.OpenAsync();
        var marker = $"key-{Guid.NewGuid():N}";
        fixture.Chat.Script(marker, ChatReply.Failing(401));
        var turn = await _turns.TurnOkAsync(session, $"hello {marker}");
        var turnId = turn.GetProperty("turn_id").GetString()!;

        await fixture.SiloLogLinesAsync(all => all.Any(l => Is(l, "turn_log", "turn_id", turnId)));

        Assert.DoesNotContain(ConversationClusterFixture.RouterApiKey, fixture.SiloLogText());
    }

    /// <summary>
    /// Isolates <paramref name="breaker"/>, runs turns (each with its own text) until one comes back degraded, resets the
    /// breaker, and returns that turn with its text.
    /// </summary>
    private async Task<(JsonElement Turn, string Text)> DegradedTurnWhileIsolatedAsync(string breaker, string session, string marker)
    {
        var attempt = 0;
        var text = marker;
        var reason = System.Net.Http.Json.JsonContent.Create(new { reason = "conversation test" });
        using var isolate = await fixture.Http.PostAsync($"/v1/breakers/{breaker}/isolate", reason);
        Assert.True(isolate.IsSuccessStatusCode, await isolate.Content.ReadAsStringAsync());
        try
        {
            var turn = await Eventually.ResultAsync(() => _turns.TurnOkAsync(session, text = $"hello {marker} #{++attempt}"),
                TimeSpan.FromSeconds(10), t => t.GetProperty("degraded").GetBoolean());
            return (turn, text);
        }
        finally
        {
            using var reset = await fixture.Http.PostAsync($"/v1/breakers/{breaker}/reset",
                System.Net.Http.Json.JsonContent.Create(new { reason = "conversation test" }));
        }
    }

    private static bool Is(JsonElement line, string log, string field, string value) =>
        line.GetProperty("log").GetString() == log && line.TryGetProperty(field, out var v) && v.GetString() == value;
}
