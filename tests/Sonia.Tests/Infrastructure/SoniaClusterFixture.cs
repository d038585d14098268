using Orleans.TestingHost;
using Sonia.Hosting.Database;
using Sonia.Silo.Hosting;

namespace Sonia.Tests.Infrastructure;

/// <summary>
/// A 2-silo TestCluster on real TCP with ADO.NET membership, storage and reminders in its own PostgreSQL
/// database, configured by the silo's own <see cref="SoniaSiloBuilderExtensions.AddSonia"/>, plus the real
/// gateway on a loopback port with an Orleans client of the same cluster.
/// </summary>
public class SoniaClusterFixture : IAsyncLifetime
{
    private TestGateway? _gateway;

    public TestCluster Cluster { get; private set; } = null!;

    public DatabaseOptions Database { get; private set; } = null!;

    /// <summary>An HTTP client aimed at the gateway.</summary>
    public HttpClient Http { get; private set; } = null!;

    public string DataPath { get; } = Path.Combine(Path.GetTempPath(), $"sonia-test-{Guid.NewGuid():N}");

    /// <summary>The HTTP executor the <c>t.http</c> tools run on.</summary>
    public FakeExecutor Executor { get; private set; } = null!;

    /// <summary>The HTTP executor of <c>t.outage</c>, under the default breaker and retry policies: tests take it down.</summary>
    public FakeExecutor OutageExecutor { get; private set; } = null!;

    /// <summary>The HTTP executor of <c>t.probe</c> (one attempt, a breaker that opens after 2 failures for 1 s).</summary>
    public FakeExecutor ProbeExecutor { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var postgres = await PostgresServer.GetAsync();
        Database = await postgres.CreateDatabaseAsync("cluster");
        Executor = await FakeExecutor.StartAsync();
        OutageExecutor = await FakeExecutor.StartAsync();
        ProbeExecutor = await FakeExecutor.StartAsync();

        Cluster = await TestClusters.DeployAsync<SiloConfigurator>(2, SharedSettings());
        _gateway = await TestClusters.StartGatewayAsync(GatewaySettings());
        Http = _gateway.Http;
    }

    public async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        await TestClusters.StopAsync(Cluster);

        if (Executor is not null)
        {
            await Executor.DisposeAsync();
        }

        if (OutageExecutor is not null)
        {
            await OutageExecutor.DisposeAsync();
        }

        if (ProbeExecutor is not null)
        {
            await ProbeExecutor.DisposeAsync();
        }
    }

    /// <summary>What the shared gateway is configured with (no keys: open local mode); another gateway may start from it.</summary>
    public Dictionary<string, string?> GatewaySettings() =>
        TestClusters.GatewaySettings(Cluster, SharedSettings(), DataPath, "gateway-test");

    private Dictionary<string, string?> SharedSettings() => new()
    {
        ["Sonia:Database:Provider"] = Database.Provider.ToString(),
        ["Sonia:Database:ConnectionString"] = Database.ConnectionString,
        ["Sonia:Cluster:Clustering"] = "AdoNet",
        ["Sonia:Cluster:ProbeTimeoutSeconds"] = "1",
        ["Sonia:Breakers:FlushInterval"] = "00:00:00.050",
        ["Sonia:Breakers:Dependencies:t-open:MinimumThroughput"] = "4",
        ["Sonia:Breakers:Dependencies:t-open:BreakDuration"] = "01:00:00",
        ["Sonia:Breakers:Dependencies:t-open:MaxBreakDuration"] = "01:00:00",
        ["Sonia:Breakers:Dependencies:t-manual:MinimumThroughput"] = "4",
        ["Sonia:Breakers:Dependencies:t-metrics:MinimumThroughput"] = "100000",
        ["Sonia:Breakers:Dependencies:t-metrics:SlowCallDuration"] = "00:00:00.050",
        ["Sonia:Breakers:Dependencies:t-persist:MinimumThroughput"] = "4",
        ["Sonia:Breakers:Dependencies:t-persist:BreakDuration"] = "01:00:00",
        ["Sonia:Breakers:Dependencies:t-persist:MaxBreakDuration"] = "01:00:00",
        ["Sonia:Breakers:Dependencies:t-isolated:MinimumThroughput"] = "4",
        // Isolated by the diagnostics tests only, to see the health supervisor report it.
        ["Sonia:Breakers:Dependencies:t-diagnostics:MinimumThroughput"] = "4",
        // The built-in tools' `executor` breaker keeps its default policy. The executors tests fail on purpose (drills, the
        // `fake` HTTP executor) never trip: their tests are about retries and dead letters, not breakers.
        ["Sonia:Breakers:Dependencies:executor.drill:MinimumThroughput"] = "100000",
        ["Sonia:Breakers:Dependencies:executor.fake:MinimumThroughput"] = "100000",
        ["Sonia:Actions:RecoveryInterval"] = "00:00:02",
        ["Sonia:Actions:LeaseDuration"] = "00:00:02",
        ["Sonia:Actions:Executors:fake:BaseUrl"] = Executor.BaseUrl,
        ["Sonia:Actions:Executors:fake:ApiKey"] = "test-secret-api-key",
        ["Sonia:Actions:Drills:Enabled"] = "true",
        ["Sonia:Actions:Executors:outage:BaseUrl"] = OutageExecutor.BaseUrl,
        ["Sonia:Actions:Tools:t.outage:Executor"] = "outage",
        ["Sonia:Actions:Executors:probing:BaseUrl"] = ProbeExecutor.BaseUrl,
        ["Sonia:Actions:Tools:t.probe:Executor"] = "probing",
        ["Sonia:Actions:Tools:t.probe:Retry:MaxAttempts"] = "1",
        ["Sonia:Breakers:Dependencies:executor.probing:MinimumThroughput"] = "2",
        ["Sonia:Breakers:Dependencies:executor.probing:BreakDuration"] = "00:00:01",
        ["Sonia:Breakers:Dependencies:executor.probing:MaxBreakDuration"] = "00:00:01",
        ["Sonia:Actions:Executors:waiting:BaseUrl"] = Executor.BaseUrl,
        ["Sonia:Actions:Tools:t.wait:Executor"] = "waiting",
        ["Sonia:Actions:Tools:t.wait:Retry:BackoffCap"] = "00:00:01",
        ["Sonia:Actions:Tools:t.wait-short:Executor"] = "waiting",
        ["Sonia:Actions:Tools:t.wait-short:MaxBreakerWait"] = "00:00:02",
        ["Sonia:Actions:Tools:note.save:MaxBreakerWait"] = "00:00:02",
        ["Sonia:Actions:Tools:drill.fail:Retry:BackoffBase"] = "00:00:00.010",
        ["Sonia:Actions:Tools:drill.fail:Retry:BackoffCap"] = "00:00:00.050",
        ["Sonia:Actions:Tools:drill.sleep:Timeout"] = "00:00:00.300",
        ["Sonia:Actions:Tools:drill.sleep:Retry:MaxAttempts"] = "2",
        ["Sonia:Actions:Tools:drill.sleep:Retry:BackoffBase"] = "00:00:00.010",
        ["Sonia:Actions:Tools:t.http:Executor"] = "fake",
        ["Sonia:Actions:Tools:t.http:Timeout"] = "00:00:10",
        ["Sonia:Actions:Tools:t.http:Retry:BackoffBase"] = "00:00:00.010",
        ["Sonia:Actions:Tools:t.http:Retry:BackoffCap"] = "00:00:00.050",
        ["Sonia:Actions:Tools:t.http-fast:Executor"] = "fake",
        ["Sonia:Actions:Tools:t.http-fast:Timeout"] = "00:00:00.500",
        ["Sonia:Actions:Tools:t.http-fast:Retry:MaxAttempts"] = "2",
        ["Sonia:Actions:Tools:t.http-fast:Retry:BackoffBase"] = "00:00:00.010",
        // Chaos drill 2: an HTTP executor whose breaker trips after 4 real failures and stays open 20 s unless reset.
        ["Sonia:Actions:Executors:tripping:BaseUrl"] = Executor.BaseUrl,
        ["Sonia:Actions:Tools:t.trip:Executor"] = "tripping",
        ["Sonia:Actions:Tools:t.trip:Retry:MaxAttempts"] = "1",
        ["Sonia:Actions:Tools:t.trip:Retry:BackoffCap"] = "00:00:01",
        ["Sonia:Breakers:Dependencies:executor.tripping:MinimumThroughput"] = "4",
        ["Sonia:Breakers:Dependencies:executor.tripping:BreakDuration"] = "00:00:20",
        ["Sonia:Breakers:Dependencies:executor.tripping:MaxBreakDuration"] = "00:00:20",
        ["Sonia:Actions:Tools:t.expiring:RequiresConfirmation"] = "true",
        ["Sonia:Actions:Tools:t.expiring:ConfirmationTimeout"] = "00:00:01",
        ["Sonia:Actions:Tools:t.self-approve:RequiresConfirmation"] = "true",
        ["Sonia:Actions:Tools:t.self-approve:AllowSelfApproval"] = "true",
        // Only the telemetry tests use this tool and this breaker, so their counters move by exactly what those tests do.
        ["Sonia:Actions:Tools:t.telemetry:Executor"] = "fake",
        ["Sonia:Breakers:Dependencies:t-telemetry:MinimumThroughput"] = "4",
    };

    /// <summary>The breakers of the silo at <paramref name="index"/>, as its adapters see them.</summary>
    public Sonia.Grains.Breakers.CircuitBreakers BreakersOf(int index) =>
        (Sonia.Grains.Breakers.CircuitBreakers)Cluster.GetSiloServiceProvider(Cluster.Silos[index].SiloAddress)
            .GetService(typeof(Sonia.Grains.Breakers.CircuitBreakers))!;

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) => siloBuilder.AddSonia(siloBuilder.Configuration);
    }

}

[CollectionDefinition(Name)]
public sealed class SoniaClusterCollection : ICollectionFixture<SoniaClusterFixture>
{
    public const string Name = "sonia-cluster";
}
