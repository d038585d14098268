using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Sonia.Grains.Actions.Execution;
using Sonia.Grains.Actions.Tools;
using Sonia.Grains.Interfaces.Actions;

namespace Sonia.Tests.Actions;

/// <summary>
/// The HTTP executor against a real loopback server that answers too much: the body is read only up to
/// <see cref="HttpExecutorOptions.MaxResponseBytes"/>, and its pooled connections are renewed.
/// </summary>
public sealed class HttpExecutorLimitsTests : IAsyncLifetime
{
    private const int Limit = 64 * 1024;
    private WebApplication _server = null!;

    private ConcurrentQueue<string> Connections { get; } = new();

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _server = builder.Build();
        _server.MapPost("/{mode}/execute", ServeAsync);
        await _server.StartAsync();
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task UnboundedRead_BodyOverTheCapWithContentLength_IsRejected()
    {
        using var client = Client(out var executor, "sized");

        var error = await Assert.ThrowsAsync<ExecutionRejectedException>(() => executor.ExecuteAsync(Request(), CancellationToken.None));

        Assert.Equal(FailureClasses.Rejected, error.FailureClass);
        Assert.Contains($"{Limit}-byte limit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnboundedRead_EndlessChunkedBody_IsRejectedAfterReadingOnlyUpToTheCap()
    {
        using var client = Client(out var executor, "endless");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var started = Stopwatch.GetTimestamp();

        var error = await Assert.ThrowsAsync<ExecutionRejectedException>(() => executor.ExecuteAsync(Request(), timeout.Token));

        Assert.Equal(FailureClasses.Rejected, error.FailureClass);
        // A whole-body read of an endless body ends only when the 20 s token does, and as a cancellation.
        Assert.True(Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(10), "the read did not stop at the cap");
    }

    [Fact]
    public async Task BodyUnderTheCap_IsTheResult()
    {
        using var client = Client(out var executor, "small");

        var result = await executor.ExecuteAsync(Request(), CancellationToken.None);

        Assert.StartsWith("{\"padding\":\"", result, StringComparison.Ordinal);
        Assert.Equal(Limit - 100, Encoding.UTF8.GetByteCount(result));
    }

    [Fact]
    public async Task ClientKeptForTheProcess_RenewsItsConnectionAfterConnectionLifetime()
    {
        using var client = Client(out var executor, "small", TimeSpan.FromSeconds(1));

        await executor.ExecuteAsync(Request(), CancellationToken.None);
        await executor.ExecuteAsync(Request(), CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        await executor.ExecuteAsync(Request(), CancellationToken.None);

        var connections = Connections.ToArray();
        Assert.Equal(3, connections.Length);
        Assert.Equal(connections[0], connections[1]);
        Assert.NotEqual(connections[1], connections[2]);
    }

    private HttpClient Client(out HttpExecutor executor, string mode, TimeSpan? lifetime = null)
    {
        var options = new HttpExecutorOptions
        {
            BaseUrl = $"{_server.Urls.First()}/{mode}",
            MaxResponseBytes = Limit,
            ConnectionLifetime = lifetime ?? TimeSpan.FromMinutes(5),
        };
        var client = new HttpClient(ExecutorRouter.CreateHandler(options));
        executor = new HttpExecutor(client, options);
        return client;
    }

    private static ExecutionRequest Request() =>
        new($"act_{Guid.NewGuid():N}", "t.big", "{}", $"key-{Guid.NewGuid():N}", $"corr-{Guid.NewGuid():N}", 1, null);

    private async Task ServeAsync(HttpContext context, string mode)
    {
        Connections.Enqueue(context.Connection.Id);
        context.Response.ContentType = "application/json";
        var chunk = Encoding.ASCII.GetBytes(new string('x', 8192));
        switch (mode)
        {
            case "sized":
                context.Response.ContentLength = 2 * 1024 * 1024;
                for (var i = 0; i < 256; i++)
                {
                    await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
                }

                return;
            case "endless":
                try
                {
                    while (!context.RequestAborted.IsCancellationRequested)
                    {
                        await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
                    }
                }
                catch (Exception ex) when (ex is OperationCanceledException or IOException)
                {
                    // The client hung up, as it should.
                }

                return;
            default:
                await context.Response.WriteAsync($"{{\"padding\":\"{new string('x', Limit - 100 - 14)}\"}}");
                return;
        }
    }
}
