using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Sonia.Tests.Streaming;

/// <summary>A real <see cref="ClientWebSocket"/> on <c>/v1/stream</c>, with helpers to send frames and read events.</summary>
public sealed class StreamClient : IAsyncDisposable
{
    private static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(20);
    private readonly ClientWebSocket _socket;
    private readonly HttpMessageInvoker _invoker;

    private StreamClient(ClientWebSocket socket, HttpMessageInvoker invoker)
    {
        _socket = socket;
        _invoker = invoker;
    }

    public WebSocketState State => _socket.State;

    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    public string? CloseDescription => _socket.CloseStatusDescription;

    /// <summary>Every event received so far, in order.</summary>
    public List<JsonElement> Events { get; } = [];

    /// <param name="bearer">Sent as the Authorization header; none when null.</param>
    /// <param name="receiveBufferBytes">The client socket's kernel receive buffer; small, a client that stops reading stalls soon.</param>
    public static async Task<StreamClient> ConnectAsync(
        Uri gateway, string? sessionId, string? bearer = null, string? correlationId = null, int? receiveBufferBytes = null)
    {
        var handler = new SocketsHttpHandler();
        if (receiveBufferBytes is { } bytes)
        {
            handler.ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveBufferSize = bytes };
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            };
        }

        var invoker = new HttpMessageInvoker(handler);
        var client = new ClientWebSocket();
        client.Options.CollectHttpResponseDetails = true;
        if (bearer is not null)
        {
            client.Options.SetRequestHeader("Authorization", $"Bearer {bearer}");
        }

        if (correlationId is not null)
        {
            client.Options.SetRequestHeader("X-Correlation-ID", correlationId);
        }

        var query = sessionId is null ? string.Empty : $"?session_id={Uri.EscapeDataString(sessionId)}";
        var uri = new UriBuilder(gateway) { Scheme = "ws", Path = "/v1/stream", Query = query }.Uri;
        try
        {
            using var timeout = new CancellationTokenSource(DefaultWait);
            await client.ConnectAsync(uri, invoker, timeout.Token);
        }
        catch
        {
            var status = client.HttpStatusCode;
            client.Dispose();
            invoker.Dispose();
            throw new StreamRefusedException(status);
        }

        return new StreamClient(client, invoker);
    }

    public Task SendAsync(object frame) => SendTextAsync(JsonSerializer.Serialize(frame));

    public async Task SendTextAsync(string text)
    {
        using var timeout = new CancellationTokenSource(DefaultWait);
        await _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
    }

    public async Task SendBinaryAsync(byte[] bytes)
    {
        using var timeout = new CancellationTokenSource(DefaultWait);
        await _socket.SendAsync(bytes, WebSocketMessageType.Binary, endOfMessage: true, timeout.Token);
    }

    /// <summary>The next event, or null when the server closed the socket (then <see cref="CloseStatus"/> says how).</summary>
    public async Task<JsonElement?> ReceiveAsync(TimeSpan? wait = null)
    {
        using var timeout = new CancellationTokenSource(wait ?? DefaultWait);
        using var message = new MemoryStream();
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var result = await _socket.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                var e = JsonDocument.Parse(message.ToArray()).RootElement.Clone();
                Events.Add(e);
                return e;
            }
        }
    }

    /// <summary>Events until one of <paramref name="type"/> (which is returned); fails when the socket closes first.</summary>
    public async Task<JsonElement> ReceiveUntilAsync(string type, Func<JsonElement, bool>? match = null, TimeSpan? wait = null)
    {
        while (true)
        {
            var e = await ReceiveAsync(wait) ?? throw new InvalidOperationException(
                $"the socket closed ({CloseStatus} {CloseDescription}) before a {type} event; got {Describe()}");
            if (e.GetProperty("type").GetString() == type && (match is null || match(e)))
            {
                return e;
            }
        }
    }

    /// <summary>Reads until the server closes the socket; the events read meanwhile go to <see cref="Events"/>.</summary>
    public async Task<WebSocketCloseStatus?> ReceiveCloseAsync(TimeSpan? wait = null)
    {
        while (await ReceiveAsync(wait) is not null)
        {
        }

        return CloseStatus;
    }

    public string Describe() => string.Join(", ", Events.Select(e => e.GetRawText()));

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                // The server went away first.
            }
        }

        _socket.Dispose();
        _invoker.Dispose();
    }
}

/// <summary>The upgrade was answered with an HTTP status instead of 101.</summary>
public sealed class StreamRefusedException(System.Net.HttpStatusCode status)
    : Exception($"the WebSocket upgrade was refused with {(int)status}")
{
    public System.Net.HttpStatusCode Status { get; } = status;
}
