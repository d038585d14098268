using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Configuration;
using Sonia.Gateway;
using Sonia.Grains.Interfaces.Sessions;
using Sonia.Tests.Conversations;
using Sonia.Tests.Infrastructure;
using Sonia.Tests.Security;

namespace Sonia.Tests.Streaming;

/// <summary>Issue 14: what the stream does with frames it cannot take, clients that stop reading, and shutdown.</summary>
[Collection(SoniaClusterCollection.Name)]
public sealed class StreamFrameTests(SoniaClusterFixture fixture)
{
    private static readonly string TooLong = new('a', TurnLimits.MaxTextLength + 1);

    [Fact]
    public async Task MalformedFrames_GetAnErrorEach_AndTheSocketStaysOpen()
    {
        var sessionId = await OpenSessionAsync(fixture.Http);
        await using var client = await StreamClient.ConnectAsync(fixture.Http.BaseAddress!, sessionId);
        var cases = new (string Frame, string Code)[]
        {
            ("not json", "invalid_json"),
            ("[1,2]", "invalid_json"),
            ("{\"type\":\"dance\"}", "unknown_type"),
            ("{\"text\":\"hello\"}", "invalid_frame"),
            ("{\"type\":\"input.text\"}", "invalid_frame"),
            ("{\"type\":\"input.text\",\"text\":\"hi\",\"extra\":\"x\"}", "invalid_frame"),
            ("{\"type\":\"input.text\",\"text\":5}", "invalid_frame"),
            ("{\"type\":\"input.text\",\"text\":\"   \"}", "invalid_frame"),
            ("{\"type\":\"input.text\",\"text\":\"hi\",\"correlation_id\":\"bad id!\"}", "invalid_frame"),
            ("{\"type\":\"action.approve\",\"action_id\":\"act_1\",\"args_hash\":\"00\"}", "invalid_frame"),
            ("{\"type\":\"action.deny\"}", "invalid_frame"),
            ($"{{\"type\":\"input.text\",\"text\":\"{TooLong}\",\"correlation_id\":\"c-long-1\"}}", "text_too_long"),
        };

        foreach (var (frame, code) in cases)
        {
            await client.SendTextAsync(frame);
            var error = await client.ReceiveAsync()
                ?? throw new InvalidOperationException($"closed after {frame[..Math.Min(40, frame.Length)]}");

            Assert.Equal("error", error.GetProperty("type").GetString());
            Assert.True(code == error.GetProperty("code").GetString(), $"{frame[..Math.Min(60, frame.Length)]}: {error.GetRawText()}");
            Assert.Equal(400, error.GetProperty("status").GetInt32());
            Assert.Equal(sessionId, error.GetProperty("session_id").GetString());
            Assert.Equal(JsonValueKind.Null, error.GetProperty("turn_id").ValueKind);
            Assert.False(string.IsNullOrEmpty(error.GetProperty("correlation_id").GetString()));
            Assert.Equal(WebSocketState.Open, client.State);
        }

        // The frame's own correlation id comes back when it could be read; a too-long text is not echoed.
        Assert.Equal("c-long-1", client.Events[^1].GetProperty("correlation_id").GetString());
        Assert.DoesNotContain(new string('a', 100), client.Describe(), StringComparison.Ordinal);

        await client.SendBinaryAsync([1, 2, 3]);
        var binary = await client.ReceiveAsync();
        Assert.Equal("invalid_frame", binary!.Value.GetProperty("code").GetString());
        Assert.Equal(WebSocketState.Open, client.State);
    }

    [Fact]
    public async Task OversizedFrame_ClosesTheSocketWith1009()
    {
        var sessionId = await OpenSessionAsync(fixture.Http);
        await using var client = await StreamClient.ConnectAsync(fixture.Http.BaseAddress!, sessionId);

        // Over 64 KiB, the default limit; the content would be a fine frame if it were shorter.
        await client.SendTextAsync($"{{\"type\":\"input.text\",\"text\":\"{new string('a', 64 * 1024)}\"}}");

        Assert.Equal(WebSocketCloseStatus.MessageTooBig, await client.ReceiveCloseAsync());
        Assert.Empty(client.Events);
    }

    [Fact]
    public async Task Socket_CarriesMoreThanTheHttpBodyLimit_OverItsLife()
    {
        var sessionId = await OpenSessionAsync(fixture.Http);
        await using var client = await StreamClient.ConnectAsync(fixture.Http.BaseAddress!, sessionId);

        // 48 frames of 30 KB: 1.4 MB, past the 1 MiB a request body may have (Sonia:Limits:MaxBodyBytes).
        for (var i = 0; i < 48; i++)
        {
            await client.SendTextAsync($"{{\"type\":\"input.text\",\"text\":\"{new string('b', 30_000)}\"}}");
            Assert.Equal("text_too_long", (await client.ReceiveUntilAsync("error")).GetProperty("code").GetString());
        }

        Assert.Equal(WebSocketState.Open, client.State);
    }

    [Fact]
    public async Task UnknownOrMissingSession_IsAnsweredSessionNotFound_AndClosedAsPolicyViolation()
    {
        foreach (var sessionId in new[] { SessionIds.New(), "not-a-session", null })
        {
            await using var client = await StreamClient.ConnectAsync(fixture.Http.BaseAddress!, sessionId, correlationId: "c-unknown-1");

            Assert.Equal(WebSocketCloseStatus.PolicyViolation, await client.ReceiveCloseAsync());
            var error = Assert.Single(client.Events);
            Assert.Equal("session_not_found", error.GetProperty("code").GetString());
            Assert.Equal(404, error.GetProperty("status").GetInt32());
            Assert.Equal("c-unknown-1", error.GetProperty("correlation_id").GetString());
        }
    }

    [Fact]
    public async Task PlainGet_WithoutUpgrade_Is400Problem()
    {
        using var response = await fixture.Http.GetAsync($"/v1/stream?session_id={SessionIds.New()}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task ClientThatStopsReading_IsDisconnected_NotBufferedWithoutBound()
    {
        // Small socket buffers on both ends, so that a client that stops reading stalls the server's sends after a few
        // kilobytes rather than after the megabytes loopback buffers grow to; the queue behind them holds two events.
        var dataPath = Path.Combine(Path.GetTempPath(), $"sonia-stream-{Guid.NewGuid():N}");
        var settings = fixture.GatewaySettings();
        settings["Sonia:DataPath"] = dataPath;
        settings["Sonia:Stream:OutgoingQueueCapacity"] = "2";
        settings["Sonia:Stream:CloseTimeout"] = "00:00:00.500";
        var app = GatewayApp.Build([], b =>
        {
            b.Configuration.AddInMemoryCollection(settings);
            b.WebHost.UseSockets(o => o.CreateBoundListenSocket = endpoint =>
            {
                var socket = SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint);
                socket.SendBufferSize = 4096;
                socket.ReceiveBufferSize = 4096; // and the client's frames wait for the server to read them
                return socket;
            });
        });
        await app.StartAsync();
        try
        {
            var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
            var sessionId = await OpenSessionAsync(http);
            await using var client = await StreamClient.ConnectAsync(http.BaseAddress, sessionId, receiveBufferBytes: 4096);

            // Each refused frame earns an error event the client never reads: the buffers fill, then the queue.
            var sent = 0;
            var disconnected = false;
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!disconnected && DateTime.UtcNow < deadline)
            {
                try
                {
                    await client.SendTextAsync("{\"type\":\"dance\"}");
                    sent++;
                }
                catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
                {
                    disconnected = true;
                }
            }

            await app.StopAsync();
            var logs = string.Concat(Directory.GetFiles(Path.Combine(dataPath, "logs"), "*.jsonl").Select(File.ReadAllText));
            Assert.True(disconnected, $"still connected after {sent} frames");
            var line = logs.Split('\n').Single(l => l.Contains("the client stopped reading", StringComparison.Ordinal));
            Assert.Contains($"Stream for session {sessionId} disconnected", line, StringComparison.Ordinal);
            Assert.Contains("\"log\":\"error_log\"", line, StringComparison.Ordinal);
        }
        finally
        {
            await app.DisposeAsync();
            Directory.Delete(dataPath, recursive: true);
        }
    }

    [Fact]
    public async Task ServerShutdown_ClosesOpenSocketsWith1001()
    {
        var gateway = await SecuredGateway.StartAsync(fixture);
        await using (gateway)
        {
            var sessionId = await OpenSessionAsync(gateway.As("root"));
            await using var client = await StreamClient.ConnectAsync(gateway.BaseAddress, sessionId, gateway.Keys["root"]);
            await client.SendTextAsync("x");
            await client.ReceiveUntilAsync("error");

            var stopping = gateway.StopAndReadLogsAsync();
            var status = await client.ReceiveCloseAsync();
            var logs = await stopping;

            Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, status);
            Assert.Contains($"Stream for session {sessionId} closed with 1001", logs, StringComparison.Ordinal);
        }
    }

    public static Task<string> OpenSessionAsync(HttpClient http) => new TurnsClient(http).OpenAsync();
}
