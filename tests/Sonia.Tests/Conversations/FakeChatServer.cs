using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Sonia.Tests.Conversations;

/// <summary>
/// An OpenAI-compatible <c>/v1/chat/completions</c> server on loopback: the LLM outside Sonia. A test scripts the
/// reply to a request whose last user message contains a marker of its own (so tests sharing it never see each
/// other's replies): a text, tool calls (well-formed or not), an error status, or a reply held back for a while.
/// Every request is recorded with its body and headers.
/// </summary>
public sealed class FakeChatServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, ChatReply> _scripts = new(StringComparer.Ordinal);

    private FakeChatServer(WebApplication app) => _app = app;

    /// <summary>The base URL a router is configured with (<c>…/v1</c>).</summary>
    public string BaseUrl => _app.Urls.First() + "/v1";

    public ConcurrentQueue<Received> Requests { get; } = new();

    public static async Task<FakeChatServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeChatServer(app);
        app.MapPost("/v1/chat/completions", fake.CompleteAsync);
        await app.StartAsync();
        return fake;
    }

    /// <summary>Answers <paramref name="reply"/> to every request whose last user message contains <paramref name="marker"/>.</summary>
    public void Script(string marker, ChatReply reply) => _scripts[marker] = reply;

    /// <summary>The requests whose last user message contains <paramref name="marker"/>.</summary>
    public IReadOnlyList<Received> For(string marker) =>
        Requests.Where(r => r.LastUserText.Contains(marker, StringComparison.Ordinal)).ToList();

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private async Task CompleteAsync(HttpContext context)
    {
        var body = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
        var lastUser = body["messages"]!.AsArray()
            .LastOrDefault(m => m!["role"]!.GetValue<string>() == "user")?["content"]?.GetValue<string>() ?? "";
        Requests.Enqueue(new Received(body, lastUser, context.Request.Headers.Authorization.ToString(),
            context.Request.Headers["X-Correlation-ID"].ToString()));
        var reply = _scripts.FirstOrDefault(s => lastUser.Contains(s.Key, StringComparison.Ordinal)).Value ?? ChatReply.Text("ok");
        if (reply.DelayMs > 0)
        {
            try
            {
                await Task.Delay(reply.DelayMs, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        context.Response.StatusCode = reply.Status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(reply.Body.ToJsonString());
    }

    public sealed record Received(JsonObject Body, string LastUserText, string Authorization, string CorrelationId);
}

/// <summary>One scripted answer of <see cref="FakeChatServer"/>.</summary>
public sealed record ChatReply(int Status, JsonObject Body, int DelayMs = 0)
{
    public static ChatReply Text(string text) => WithToolCalls(text);

    /// <summary>A 200 whose message has <paramref name="text"/> and tool calls of (function name, raw arguments text).</summary>
    public static ChatReply WithToolCalls(string? text, params (string Name, string Arguments)[] calls)
    {
        var message = new JsonObject { ["role"] = "assistant", ["content"] = text };
        if (calls.Length > 0)
        {
            message["tool_calls"] = new JsonArray(calls.Select((c, i) => (JsonNode?)new JsonObject
            {
                ["id"] = $"call_{i}",
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = c.Name, ["arguments"] = c.Arguments },
            }).ToArray());
        }

        return new ChatReply(200, new JsonObject
        {
            ["id"] = "chatcmpl-fake",
            ["object"] = "chat.completion",
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["message"] = message, ["finish_reason"] = "stop" }),
        });
    }

    public static ChatReply Failing(int status) =>
        new(status, new JsonObject { ["error"] = new JsonObject { ["message"] = "scripted failure" } });
}
