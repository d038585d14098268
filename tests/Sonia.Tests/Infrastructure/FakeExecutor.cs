using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Sonia.Tests.Infrastructure;

/// <summary>
/// An executor outside Sonia, as a real HTTP server on loopback. It behaves as a well-made executor does:
/// a side effect runs once per Idempotency-Key and a repeated key gets the stored answer. The request's
/// <c>args.mode</c> says how to behave: <c>ok</c>, <c>status</c> (answer <c>args.status</c>), <c>slow</c>
/// (answer after <c>args.ms</c>), <c>hang_first</c> (apply the effect, then hang the first call for <c>args.ms</c>),
/// <c>flaky</c> (503 for the first <c>args.fail_first</c> requests of a key, then succeed). While <see cref="Down"/>
/// it answers 503 to everything, an outage.
/// Its de-duplication is its own: tests prove exactly-once on the raw counts (<see cref="RequestsFor"/>,
/// <see cref="SuccessesFor"/>), which count every request as it arrives, before any de-duplication.
/// </summary>
public sealed class FakeExecutor : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeExecutor(WebApplication app) => _app = app;

    public string BaseUrl => _app.Urls.First();

    /// <summary>Every request received, in order.</summary>
    public ConcurrentQueue<Received> Requests { get; } = new();

    /// <summary>While true, every request is answered 503 (and still counted).</summary>
    public bool Down { get; set; }

    private ConcurrentDictionary<string, int> Successes { get; } = new();

    private ConcurrentDictionary<string, string> Stored { get; } = new();

    private ConcurrentDictionary<string, int> Effects { get; } = new();

    public static async Task<FakeExecutor> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeExecutor(app);
        app.MapPost("/execute", fake.ExecuteAsync);
        await app.StartAsync();
        return fake;
    }

    public IReadOnlyList<Received> For(string actionId) => Requests.Where(r => r.ActionId == actionId).ToList();

    /// <summary>Every request received with <paramref name="idempotencyKey"/>, whatever it was answered.</summary>
    public int RequestsFor(string idempotencyKey) => Requests.Count(r => r.IdempotencyKey == idempotencyKey);

    /// <summary>Requests with <paramref name="idempotencyKey"/> answered 2xx, repeats of a stored answer included.</summary>
    public int SuccessesFor(string idempotencyKey) => Successes.GetValueOrDefault(idempotencyKey);

    /// <summary>How many times the side effect of <paramref name="idempotencyKey"/> was applied (a stored answer repeated is not).</summary>
    public int EffectsFor(string idempotencyKey) => Effects.GetValueOrDefault(idempotencyKey);

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private async Task ExecuteAsync(HttpContext context)
    {
        var key = context.Request.Headers["Idempotency-Key"].ToString();
        var body = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
        var args = body["args"]!.AsObject();
        var received = new Received(key, body["action_id"]!.GetValue<string>(), body["attempt"]!.GetValue<int>(),
            context.Request.Headers["X-Correlation-ID"].ToString(), body.ToJsonString(), context.Request.Headers.Authorization.ToString())
        {
            TraceParent = context.Request.Headers["traceparent"].ToString(),
        };
        Requests.Enqueue(received);
        var mode = args["mode"]?.GetValue<string>() ?? "ok";
        var firstCall = Requests.Count(r => r.IdempotencyKey == key) == 1;

        if (Down)
        {
            context.Response.StatusCode = 503;
            await context.Response.WriteAsync("""{"error":"down"}""");
            return;
        }

        switch (mode)
        {
            case "status":
                context.Response.StatusCode = args["status"]!.GetValue<int>();
                await context.Response.WriteAsync("""{"error":"as asked"}""");
                return;
            case "flaky" when Requests.Count(r => r.IdempotencyKey == key) <= args["fail_first"]!.GetValue<int>():
                context.Response.StatusCode = 503;
                await context.Response.WriteAsync("""{"error":"not yet"}""");
                return;
            case "slow":
                await Task.Delay(args["ms"]!.GetValue<int>(), context.RequestAborted);
                break;
        }

        if (Stored.TryGetValue(key, out var stored))
        {
            Successes.AddOrUpdate(key, 1, (_, n) => n + 1);
            await WriteJson(context, stored);
            return;
        }

        var result = new JsonObject { ["done"] = true, ["key"] = key }.ToJsonString();
        Stored[key] = result;
        Effects.AddOrUpdate(key, 1, (_, n) => n + 1);
        if (mode == "hang_first" && firstCall)
        {
            // The effect is applied; the answer never arrives (the caller's silo dies meanwhile).
            await Task.Delay(args["ms"]!.GetValue<int>(), context.RequestAborted);
        }

        Successes.AddOrUpdate(key, 1, (_, n) => n + 1);
        await WriteJson(context, result);
    }

    private static async Task WriteJson(HttpContext context, string json)
    {
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(json);
    }

    public sealed record Received(
        string IdempotencyKey, string ActionId, int Attempt, string CorrelationId, string Body, string Authorization)
    {
        /// <summary>The W3C <c>traceparent</c> header the request came with (empty when none).</summary>
        public string TraceParent { get; init; } = "";
    }
}
