using System.Net;
using System.Net.WebSockets;
using Sonia.Tests.Infrastructure;
using Sonia.Tests.Security;

namespace Sonia.Tests.Streaming;

/// <summary>Issue 14: the stream needs a key (header or first frame) and a client's socket sees only its own sessions.</summary>
[Collection(SoniaClusterCollection.Name)]
public sealed class StreamAccessTests(SoniaClusterFixture fixture) : IAsyncLifetime
{
    private SecuredGateway _gateway = null!;

    public async Task InitializeAsync() => _gateway = await SecuredGateway.StartAsync(fixture, new Dictionary<string, string?>
    {
        ["Sonia:Stream:AuthTimeout"] = "00:00:01",
    });

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task NoKey_IsRefused_WhetherTheFirstFrameIsNotAuthOrNeverComes()
    {
        var sessionId = await StreamFrameTests.OpenSessionAsync(_gateway.As("client-a"));
        using var plain = await _gateway.As(null).GetAsync($"/v1/stream?session_id={sessionId}");
        await using var talker = await StreamClient.ConnectAsync(_gateway.BaseAddress, sessionId);
        await talker.SendAsync(new { type = "input.text", text = "let me in" });
        await using var silent = await StreamClient.ConnectAsync(_gateway.BaseAddress, sessionId);

        Assert.Equal(HttpStatusCode.Unauthorized, plain.StatusCode);
        foreach (var client in new[] { talker, silent })
        {
            Assert.Equal(WebSocketCloseStatus.PolicyViolation, await client.ReceiveCloseAsync());
            var error = Assert.Single(client.Events);
            Assert.Equal("auth_required", error.GetProperty("code").GetString());
            Assert.Equal(401, error.GetProperty("status").GetInt32());
        }
    }

    [Fact]
    public async Task WrongKey_InTheHeader_Is401_InTheAuthFrame_IsRefused_NeverLoggedOrEchoed()
    {
        var sessionId = await StreamFrameTests.OpenSessionAsync(_gateway.As("client-a"));
        var refused = await Assert.ThrowsAsync<StreamRefusedException>(() =>
            StreamClient.ConnectAsync(_gateway.BaseAddress, sessionId, bearer: "sk-wrong-header-7d1e"));
        await using var client = await StreamClient.ConnectAsync(_gateway.BaseAddress, sessionId);
        await client.SendAsync(new { type = "auth", key = "sk-wrong-frame-5c2a" });

        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, await client.ReceiveCloseAsync());
        Assert.Equal("unauthorized", Assert.Single(client.Events).GetProperty("code").GetString());
        Assert.DoesNotContain("sk-wrong", client.Describe(), StringComparison.Ordinal);
        var logs = await _gateway.LogsContainingAsync("Access refused (401) to WebSocket /v1/stream");
        Assert.DoesNotContain("sk-wrong", logs, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuthFrame_WithTheOwnersKey_OpensTheStream_TheKeyNeverLogged()
    {
        var sessionId = await StreamFrameTests.OpenSessionAsync(_gateway.As("client-a"));
        await using var client = await StreamClient.ConnectAsync(_gateway.BaseAddress, sessionId);

        await client.SendAsync(new { type = "auth", key = _gateway.Keys["client-a"] });
        await client.SendAsync(new { type = "auth", key = _gateway.Keys["client-a"] });
        var again = await client.ReceiveUntilAsync("error");

        Assert.Equal("already_authenticated", again.GetProperty("code").GetString());
        Assert.Equal(WebSocketState.Open, client.State);
        var logs = await _gateway.LogsContainingAsync(
            $"upgraded to WebSocket for session {sessionId} by client-a (key sent as auth frame)");
        Assert.DoesNotContain(_gateway.Keys["client-a"], logs, StringComparison.Ordinal);
        Assert.DoesNotContain(_gateway.Keys["client-a"], client.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnotherClientsSession_IsRefused_OperatorsMayWatchAny()
    {
        var sessionId = await StreamFrameTests.OpenSessionAsync(_gateway.As("client-a"));
        await using var other = await StreamClient.ConnectAsync(_gateway.BaseAddress, sessionId, _gateway.Keys["client-b"]);
        await using var byFrame = await StreamClient.ConnectAsync(_gateway.BaseAddress, sessionId);
        await byFrame.SendAsync(new { type = "auth", key = _gateway.Keys["client-b"] });
        await using var ops = await StreamClient.ConnectAsync(_gateway.BaseAddress, sessionId, _gateway.Keys["ops-1"]);
        await ops.SendTextAsync("{}");

        foreach (var client in new[] { other, byFrame })
        {
            Assert.Equal(WebSocketCloseStatus.PolicyViolation, await client.ReceiveCloseAsync());
            var error = Assert.Single(client.Events);
            Assert.Equal("session_not_found", error.GetProperty("code").GetString());
            Assert.Equal(404, error.GetProperty("status").GetInt32());
        }

        // The operator's socket is past the session check: its frames are answered.
        Assert.Equal("invalid_frame", (await ops.ReceiveUntilAsync("error")).GetProperty("code").GetString());
        Assert.Equal(WebSocketState.Open, ops.State);
    }

    [Fact]
    public async Task Commands_CountAgainstTheKeysRequestBudget_RefusedOverIt_SocketStaysOpen()
    {
        await using var limited = await SecuredGateway.StartAsync(fixture, new Dictionary<string, string?>
        {
            ["Sonia:Auth:RateLimits:Client"] = "3",
        });
        var sessionId = await StreamFrameTests.OpenSessionAsync(limited.As("client-a"));
        await using var client = await StreamClient.ConnectAsync(limited.BaseAddress, sessionId, limited.Keys["client-a"]);

        var codes = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            await client.SendAsync(new { type = "action.deny", action_id = Sonia.Grains.Interfaces.Actions.ActionIds.New() });
            codes.Add((await client.ReceiveUntilAsync("error")).GetProperty("code").GetString()!);
        }

        Assert.Equal(["action_not_found", "action_not_found", "action_not_found", "rate_limited"], codes);
        Assert.Equal(429, client.Events[^1].GetProperty("status").GetInt32());
        Assert.Equal(WebSocketState.Open, client.State);
    }
}
