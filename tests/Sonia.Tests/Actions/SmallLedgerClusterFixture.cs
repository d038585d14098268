using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;
using Sonia.Grains.Actions;
using Sonia.Grains.Actions.Ledger;
using Sonia.Hosting.Database;
using Sonia.Silo.Hosting;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Actions;

/// <summary>
/// A one-silo cluster (and gateway) for the tests the shared fixture cannot host: its actions read a
/// <see cref="FakeTimeProvider"/> (Orleans' own timers stay on real time), and its ledger has one writer and a
/// one-change queue, so a test can fill the queue with two submissions.
/// </summary>
public sealed class SmallLedgerClusterFixture : IAsyncLifetime
{
    public const string ExpiringTool = "t.confirm";
    public static readonly TimeSpan ConfirmationTimeout = TimeSpan.FromMinutes(10);

    private TestGateway? _gateway;

    public TestCluster Cluster { get; private set; } = null!;

    public DatabaseOptions Database { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    /// <summary>The clock every action grain of the silo reads.</summary>
    public FakeTimeProvider Clock => (FakeTimeProvider)SiloServices.GetRequiredKeyedService<TimeProvider>(ActionClock.Key);

    public ActionLedger Ledger => SiloServices.GetRequiredService<ActionLedger>();

    /// <summary>
    /// Waits until no action of this cluster is still running and the ledger queue is empty: with a one-change queue, an
    /// earlier test's action still finishing would make the next submission a 503 (the queue is full).
    /// </summary>
    public async Task SettledAsync()
    {
        await Eventually.ResultAsync(
            () => TestSql.CountAsync(Database, "SELECT COUNT(*) FROM sonia.actions WHERE status IN ('queued', 'approved', 'executing')"),
            TimeSpan.FromSeconds(30), busy => busy == 0);
        await Eventually.ResultAsync(() => Task.FromResult(Ledger.Queued), TimeSpan.FromSeconds(10), queued => queued == 0);
    }

    private IServiceProvider SiloServices => Cluster.GetSiloServiceProvider(Cluster.Silos[0].SiloAddress);

    public async Task InitializeAsync()
    {
        Database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("small");
        Cluster = await TestClusters.DeployAsync<SiloConfigurator>(1, Settings());
        var dataPath = Path.Combine(Path.GetTempPath(), $"sonia-small-{Guid.NewGuid():N}");
        _gateway = await TestClusters.StartGatewayAsync(TestClusters.GatewaySettings(Cluster, Settings(), dataPath, "gateway-small"));
        Http = _gateway.Http;
    }

    public async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        await TestClusters.StopAsync(Cluster);
    }

    private Dictionary<string, string?> Settings() => new()
    {
        ["Sonia:Database:Provider"] = Database.Provider.ToString(),
        ["Sonia:Database:ConnectionString"] = Database.ConnectionString,
        ["Sonia:Cluster:Clustering"] = "AdoNet",
        ["Sonia:Cluster:ProbeTimeoutSeconds"] = "1",
        ["Sonia:Ledger:Writers"] = "1",
        ["Sonia:Ledger:MaxBatch"] = "1",
        ["Sonia:Ledger:QueueLimit"] = "1",
        ["Sonia:Ledger:MaxQueueWait"] = "00:00:20",
        [$"Sonia:Actions:Tools:{ExpiringTool}:RequiresConfirmation"] = "true",
        [$"Sonia:Actions:Tools:{ExpiringTool}:ConfirmationTimeout"] = ConfirmationTimeout.ToString("c"),
    };

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.Services.AddKeyedSingleton<TimeProvider>(ActionClock.Key, new FakeTimeProvider(DateTimeOffset.UtcNow));
            siloBuilder.AddSonia(siloBuilder.Configuration);
        }
    }

}

[CollectionDefinition(Name)]
public sealed class SmallLedgerClusterCollection : ICollectionFixture<SmallLedgerClusterFixture>
{
    public const string Name = "small-ledger-cluster";
}
