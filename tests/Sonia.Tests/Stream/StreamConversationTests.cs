using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Tests.Infrastructure;
using Sonia.Tests.Security;

namespace Sonia.Tests.Streaming;

/// <summary>
/// Issue 14: a conversation over the socket against the real pipeline (rules router, built-in memory): a turn's events
/// under one correlation id, approval and denial over the socket, and an <c>action.result</c> after <c>turn.completed</c>.
/// </summary>
[Collection(SoniaClusterCollection.Name)]
public sealed class StreamConversationTests(SoniaClusterFixture fixture) : IAsyncLifetime
{
    private SecuredGateway _gateway = null!;

    public async Task InitializeAsync() => _gateway = await SecuredGateway.StartAsync(fixture);

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task InputText_StreamsTheTurnOnce_EveryEventUnderTheClientsCorrelationId()
    {
        var (client, _) = await ConnectOwnerAsync();
        await using var _ = client;
        var word = Word("wren");
        var correlationId = $"c-turn-{Guid.NewGuid():N}";

        await client.SendAsync(new { type = "input.text", text = $"note: the {word} sings", correlation_id = correlationId });
        var completed = await client.ReceiveUntilAsync("turn.completed");
        var saved = client.Events.Any(IsResult) ? client.Events.First(IsResult) : await client.ReceiveUntilAsync("action.result");

        var turn = client.Events.Where(e => e.GetProperty("correlation_id").GetString() == correlationId).ToList();
        Assert.Equal(client.Events.Count, turn.Count);
        Assert.Single(turn.Select(e => e.GetProperty("turn_id").GetString()).Distinct());
        Assert.StartsWith("trn_", completed.GetProperty("turn_id").GetString());
        var types = turn.Select(e => e.GetProperty("type").GetString()).ToList();
        Assert.Equal("turn.started", types[0]);
        foreach (var type in new[] { "turn.started", "assistant.text", "action.proposed", "turn.completed", "action.result" })
        {
            Assert.True(types.Count(t => t == type) == 1, $"{type} expected once: {client.Describe()}");
        }

        Assert.Equal($"Noted: the {word} sings", completed.GetProperty("assistant_text").GetString());
        Assert.Equal("note.save", saved.GetProperty("tool").GetString());
        Assert.Equal(ActionStatuses.Succeeded, saved.GetProperty("status").GetString());
        var savedId = saved.GetProperty("action_id").GetString();
        var action = await _gateway.As("client-a").GetFromJsonAsync<JsonElement>($"/v1/actions/{savedId}");
        Assert.Equal(correlationId, action.GetProperty("correlation_id").GetString());

        // Without a correlation id of its own, the input gets one at the socket's entry.
        await client.SendAsync(new { type = "input.text", text = "echo hello" });
        var second = await client.ReceiveUntilAsync("turn.completed");
        Assert.StartsWith("req_", second.GetProperty("correlation_id").GetString());

        static bool IsResult(JsonElement e) => e.GetProperty("type").GetString() == "action.result";
    }

    [Fact]
    public async Task ApprovalOverTheSocket_ActionResultArrivesAfterTurnCompleted_UnderTheProposingTurn()
    {
        var (client, sessionId) = await ConnectOwnerAsync();
        await using var _ = client;
        var word = Word("otter");
        await client.SendAsync(new { type = "input.text", text = $"note: the {word} swims" });
        await client.ReceiveUntilAsync("turn.completed");

        await client.SendAsync(new { type = "input.text", text = $"forget the {word}", correlation_id = "c-forget-" + word });
        var confirm = await client.ReceiveUntilAsync("action.confirmation_required");
        var completed = await client.ReceiveUntilAsync("turn.completed");
        var actionId = confirm.GetProperty("action_id").GetString()!;
        var hash = confirm.GetProperty("args_hash").GetString()!;

        var wrongHash = new string('0', 64);
        await client.SendAsync(new { type = "action.approve", action_id = actionId, args_hash = wrongHash, correlation_id = "c-bad-hash" });
        var refused = await client.ReceiveUntilAsync("error");
        await client.SendAsync(new { type = "action.approve", action_id = actionId, args_hash = hash });
        var result = await client.ReceiveUntilAsync("action.result", e => e.GetProperty("action_id").GetString() == actionId);

        Assert.Equal("args_changed", refused.GetProperty("code").GetString());
        Assert.Equal(409, refused.GetProperty("status").GetInt32());
        Assert.Equal(actionId, refused.GetProperty("action_id").GetString());
        Assert.Equal("c-bad-hash", refused.GetProperty("correlation_id").GetString());
        Assert.True(client.Events.IndexOf(result) > client.Events.IndexOf(completed), client.Describe());
        Assert.Equal(ActionStatuses.Succeeded, result.GetProperty("status").GetString());
        Assert.Equal(sessionId, result.GetProperty("session_id").GetString());
        Assert.Equal(completed.GetProperty("turn_id").GetString(), result.GetProperty("turn_id").GetString());
        Assert.Equal("c-forget-" + word, result.GetProperty("correlation_id").GetString());
        var action = await _gateway.As("ops-1").GetFromJsonAsync<JsonElement>($"/v1/actions/{actionId}");
        Assert.Contains(action.GetProperty("audit").EnumerateArray(), a => a.GetProperty("actor").GetString() == "client-a");
    }

    [Fact]
    public async Task DenialOverTheSocket_EndsTheActionDenied_AnotherClientCannotDecideIt()
    {
        var (client, _) = await ConnectOwnerAsync();
        await using var _ = client;
        var word = Word("lynx");
        await client.SendAsync(new { type = "input.text", text = $"note: the {word} hides" });
        await client.ReceiveUntilAsync("turn.completed");
        await client.SendAsync(new { type = "input.text", text = $"forget the {word}" });
        var confirm = await client.ReceiveUntilAsync("action.confirmation_required");
        var actionId = confirm.GetProperty("action_id").GetString()!;
        var hash = confirm.GetProperty("args_hash").GetString()!;

        var otherSession = await StreamFrameTests.OpenSessionAsync(_gateway.As("client-b"));
        await using var other = await StreamClient.ConnectAsync(_gateway.BaseAddress, otherSession, _gateway.Keys["client-b"]);
        await other.SendAsync(new { type = "action.approve", action_id = actionId, args_hash = hash });
        var notFound = await other.ReceiveUntilAsync("error");
        await client.SendAsync(new { type = "action.deny", action_id = actionId, reason = "keep it" });
        var result = await client.ReceiveUntilAsync("action.result", e => e.GetProperty("action_id").GetString() == actionId);

        Assert.Equal("action_not_found", notFound.GetProperty("code").GetString());
        Assert.Equal(404, notFound.GetProperty("status").GetInt32());
        Assert.Equal(ActionStatuses.Denied, result.GetProperty("status").GetString());
        Assert.Equal(WebSocketState.Open, other.State);
    }

    private async Task<(StreamClient Client, string SessionId)> ConnectOwnerAsync()
    {
        var sessionId = await StreamFrameTests.OpenSessionAsync(_gateway.As("client-a"));
        return (await StreamClient.ConnectAsync(_gateway.BaseAddress, sessionId, _gateway.Keys["client-a"]), sessionId);
    }

    private static string Word(string stem) => $"{stem}{Guid.NewGuid():N}"[..20];
}
