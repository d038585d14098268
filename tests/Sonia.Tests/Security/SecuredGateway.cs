using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Sonia.Gateway;
using Sonia.Gateway.Security;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Security;

/// <summary>
/// A second gateway on the shared cluster, with API keys configured (the shared one runs in open local mode).
/// Its keys are fresh per instance and hashed with a low iteration count so that tests stay quick.
/// </summary>
public sealed class SecuredGateway : IAsyncDisposable
{
    private readonly List<HttpClient> _clients = [];
    private bool _stopped;

    private SecuredGateway(WebApplication app, Dictionary<string, string> keys, string dataPath)
    {
        App = app;
        Keys = keys;
        DataPath = dataPath;
        BaseAddress = new Uri(app.Urls.First());
    }

    /// <summary>Key name → role of the keys every secured gateway has.</summary>
    public static readonly IReadOnlyDictionary<string, string> Roles = new Dictionary<string, string>
    {
        ["client-a"] = SoniaRoles.Client,
        ["client-b"] = SoniaRoles.Client,
        ["ops-1"] = SoniaRoles.Operator,
        ["ops-2"] = SoniaRoles.Operator,
        ["root"] = SoniaRoles.Admin,
    };

    public WebApplication App { get; }

    public Uri BaseAddress { get; }

    /// <summary>Key name → the plain key, which only the test (the "client") knows.</summary>
    public IReadOnlyDictionary<string, string> Keys { get; }

    /// <summary>This gateway's own data folder: its log files are under <c>logs/</c>.</summary>
    public string DataPath { get; }

    public static async Task<SecuredGateway> StartAsync(SoniaClusterFixture fixture, IDictionary<string, string?>? extra = null)
    {
        var dataPath = Path.Combine(Path.GetTempPath(), $"sonia-secured-{Guid.NewGuid():N}");
        var settings = fixture.GatewaySettings();
        settings["Sonia:DataPath"] = dataPath;
        settings["Sonia:Gateway:Name"] = "gateway-secured";
        var keys = new Dictionary<string, string>();
        foreach (var (name, role) in Roles)
        {
            keys[name] = $"sk-{name}-{Guid.NewGuid():N}";
            settings[$"Sonia:Auth:Keys:{name}:Role"] = role;
            settings[$"Sonia:Auth:Keys:{name}:Hash"] = ApiKeyHasher.Hash(keys[name], ApiKeyHasher.MinIterations);
        }

        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var app = GatewayApp.Build([], b => b.Configuration.AddInMemoryCollection(settings));
        await app.StartAsync();
        return new SecuredGateway(app, keys, dataPath);
    }

    /// <summary>A client sending the named key (or none when <paramref name="keyName"/> is null).</summary>
    public HttpClient As(string? keyName) => WithBearer(keyName is null ? null : Keys[keyName]);

    public HttpClient WithBearer(string? bearer)
    {
        var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (bearer is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        _clients.Add(http);
        return http;
    }

    /// <summary>Everything this gateway logged so far (the JSON Lines files).</summary>
    public async Task<string> LogsAsync()
    {
        var folder = Path.Combine(DataPath, "logs");
        var text = new System.Text.StringBuilder();
        foreach (var file in Directory.Exists(folder) ? Directory.GetFiles(folder, "*.jsonl") : [])
        {
            await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            text.Append(await reader.ReadToEndAsync());
        }

        return text.ToString();
    }

    /// <summary>The logs once they hold <paramref name="expected"/> (the file sink flushes about every second).</summary>
    public Task<string> LogsContainingAsync(string expected) =>
        Eventually.ResultAsync(LogsAsync, TimeSpan.FromSeconds(15), text => text.Contains(expected, StringComparison.Ordinal));

    /// <summary>Stops the gateway, which flushes its log files, and returns everything it logged.</summary>
    public async Task<string> StopAndReadLogsAsync()
    {
        await StopAsync();
        return await LogsAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(DataPath, recursive: true);
        }
        catch (IOException)
        {
            // A log file still held open; the temp folder is cleaned up by the OS.
        }
    }

    private async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        await App.StopAsync();
        await App.DisposeAsync();
    }
}
