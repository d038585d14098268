using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Sonia.Benchmarks;

/// <summary>
/// A real Kestrel server on 127.0.0.1 (a free port) standing in for an executor: <c>POST /execute</c> parses the
/// JSON body and answers <c>{"ok":true}</c>. <see cref="CallAsync"/> is the adapter call: one POST of a small JSON
/// body through one shared <see cref="HttpClient"/>, response body read to the end.
/// </summary>
public sealed class LoopbackExecutor : IAsyncDisposable
{
    private static readonly byte[] RequestBody = """{"session":"bench-0001","language":"python","code":"print(1 + 1)"}"""u8.ToArray();
    private static readonly byte[] ResponseBody = """{"ok":true}"""u8.ToArray();
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private readonly WebApplication _app;
    private readonly HttpClient _client;

    private LoopbackExecutor(WebApplication app, HttpClient client)
    {
        _app = app;
        _client = client;
    }

    public Uri BaseAddress => _client.BaseAddress!;

    public static async Task<LoopbackExecutor> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapPost("/execute", async (HttpContext context) =>
        {
            using var request = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = ResponseBody.Length;
            await context.Response.Body.WriteAsync(ResponseBody, context.RequestAborted);
        });
        await app.StartAsync();

        // Port 0: Kestrel picked a free port; the addresses feature has the one it bound.
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = new Uri(address),
        };
        return new LoopbackExecutor(app, client);
    }

    /// <summary>One adapter call; returns the length of the response body so nothing is optimised away.</summary>
    public async ValueTask<int> CallAsync(CancellationToken cancellationToken)
    {
        var content = new ByteArrayContent(RequestBody);
        content.Headers.ContentType = Json;
        using var response = await _client.PostAsync("/execute", content, cancellationToken);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return body.Length;
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
