using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;
using Sonia.Gateway;
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

    private WebApplication? _gateway;

    public TestCluster Cluster { get; private set; } = null!;

    public DatabaseOptions Database { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    /// <summary>The clock every action grain of the silo reads.</summary>
    public FakeTimeProvider Clock => (FakeTimeProvider)SiloServices.GetRequiredKeyedService<TimeProvider>(ActionClock.Key);

    public ActionLedger Ledger => SiloServices.GetRequiredService<ActionLedger>();

    private IServiceProvider SiloServices => Cluster.GetSiloServiceProvider(Cluster.Silos[0].SiloAddress);

    public async Task InitializeAsync()
    {
        Database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("small");
        var builder = new TestClusterBuilder(1);
        builder.Options.UseTestClusterMembership = false;
        builder.Options.ConnectionTransport = ConnectionTransportType.TcpSocket;
        foreach (var (key, value) in Settings())
        {
            builder.Properties[key] = value;
        }

        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();

        _gateway = GatewayApp.Build([], b => b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(Settings())
        {
            ["Sonia:Cluster:ClusterId"] = Cluster.Options.ClusterId,
            ["Sonia:Cluster:ServiceId"] = Cluster.Options.ServiceId,
            ["Sonia:Cluster:GatewayListRefreshSeconds"] = "1",
            ["Sonia:DataPath"] = Path.Combine(Path.GetTempPath(), $"sonia-small-{Guid.NewGuid():N}"),
            ["Sonia:Gateway:Name"] = "gateway-small",
            ["Urls"] = "http://127.0.0.1:0",
        }));
        await _gateway.StartAsync();
        Http = new HttpClient { BaseAddress = new Uri(_gateway.Urls.First()), Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (_gateway is not null)
        {
            await _gateway.StopAsync();
            await _gateway.DisposeAsync();
        }

        if (Cluster is not null)
        {
            await Cluster.StopAllSilosAsync();
            await Cluster.DisposeAsync();
        }
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

    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder clientBuilder) =>
            clientBuilder.UseAdoNetClustering(o =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = configuration["Sonia:Database:ConnectionString"];
            });
    }
}

[CollectionDefinition(Name)]
public sealed class SmallLedgerClusterCollection : ICollectionFixture<SmallLedgerClusterFixture>
{
    public const string Name = "small-ledger-cluster";
}
