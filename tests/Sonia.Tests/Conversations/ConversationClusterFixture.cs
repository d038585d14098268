using System.Text.Json;
using Orleans.TestingHost;
using Sonia.Hosting.Database;
using Sonia.Hosting.Logging;
using Sonia.Silo.Hosting;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Conversations;

/// <summary>
/// One silo and the real gateway (open local mode) whose router is the OpenAI-compatible adapter aimed at a
/// <see cref="FakeChatServer"/>, with the built-in memory store on its own PostgreSQL database. The silo writes its
/// JSON Lines logs under <see cref="DataPath"/>, so tests can read turn_log, tool_log and error_log lines.
/// </summary>
public sealed class ConversationClusterFixture : IAsyncLifetime
{
    public const string RouterApiKey = "sk-router-test-secret-9f2c";

    private TestGateway? _gateway;

    public TestCluster Cluster { get; private set; } = null!;

    public DatabaseOptions Database { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public FakeChatServer Chat { get; private set; } = null!;

    public string DataPath { get; } = Path.Combine(Path.GetTempPath(), $"sonia-conv-{Guid.NewGuid():N}");

    public async Task InitializeAsync()
    {
        Database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("conversations");
        Chat = await FakeChatServer.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["Sonia:Database:Provider"] = Database.Provider.ToString(),
            ["Sonia:Database:ConnectionString"] = Database.ConnectionString,
            ["Sonia:Cluster:Clustering"] = "AdoNet",
            ["Sonia:Breakers:FlushInterval"] = "00:00:00.050",
            // Scripted 500s and slow answers must not open the router breaker under the other tests; one test isolates it.
            ["Sonia:Breakers:Dependencies:router:MinimumThroughput"] = "100000",
            ["Sonia:DataPath"] = DataPath,
            ["Sonia:Router:Kind"] = "openai",
            ["Sonia:Router:BaseUrl"] = Chat.BaseUrl,
            ["Sonia:Router:Model"] = "fake-model",
            ["Sonia:Router:ApiKey"] = RouterApiKey,
            ["Sonia:Router:Timeout"] = "00:00:01.500",
            ["Sonia:Sessions:RouterHistoryTurns"] = "3",
            ["Sonia:Sessions:MaxTurns"] = "4",
        };
        Cluster = await TestClusters.DeployAsync<SiloConfigurator>(1, settings);
        _gateway = await TestClusters.StartGatewayAsync(TestClusters.GatewaySettings(Cluster, settings, DataPath, "gateway-conv"));
        Http = _gateway.Http;
    }

    public async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        await TestClusters.StopAsync(Cluster);
        if (Chat is not null)
        {
            await Chat.DisposeAsync();
        }
    }

    /// <summary>Every JSON line the silo logged so far.</summary>
    public IReadOnlyList<JsonElement> SiloLogLines()
    {
        var folder = Path.Combine(DataPath, "logs");
        var lines = new List<JsonElement>();
        foreach (var file in Directory.Exists(folder) ? Directory.GetFiles(folder, "conv-silo*.jsonl") : [])
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            while (reader.ReadLine() is { } line)
            {
                if (line.Length > 0)
                {
                    lines.Add(JsonDocument.Parse(line).RootElement.Clone());
                }
            }
        }

        return lines;
    }

    /// <summary>The silo's log lines once <paramref name="accept"/> holds (the file sink flushes about every second).</summary>
    public Task<IReadOnlyList<JsonElement>> SiloLogLinesAsync(Func<IReadOnlyList<JsonElement>, bool> accept) =>
        Eventually.ResultAsync(() => Task.FromResult(SiloLogLines()), TimeSpan.FromSeconds(20), accept);

    /// <summary>The silo's whole log text, for checks that something never appears in it.</summary>
    public string SiloLogText()
    {
        var folder = Path.Combine(DataPath, "logs");
        return string.Concat((Directory.Exists(folder) ? Directory.GetFiles(folder, "conv-silo*.jsonl") : []).Select(f =>
        {
            using var stream = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }));
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.AddSonia(siloBuilder.Configuration);
            siloBuilder.Services.AddSoniaLogging(siloBuilder.Configuration, "conv-silo");
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ConversationCollection : ICollectionFixture<ConversationClusterFixture>
{
    public const string Name = "conversations";
}
