using Orleans.TestingHost;
using Sonia.Hosting.Database;
using Sonia.Silo.Hosting;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Recovery;

/// <summary>
/// A TestCluster and gateway on a PostgreSQL server of their own, for drills that stop the database or kill silos
/// (the shared server and the shared cluster fixture must never see those faults).
/// </summary>
public sealed class OwnDatabaseCluster : IAsyncDisposable
{
    private OwnDatabaseCluster(PostgresServer server, DatabaseOptions database, TestCluster cluster, TestGateway gateway, string dataPath)
    {
        Server = server;
        Database = database;
        Cluster = cluster;
        Gateway = gateway;
        DataPath = dataPath;
    }

    public PostgresServer Server { get; }

    public DatabaseOptions Database { get; }

    public TestCluster Cluster { get; }

    public TestGateway Gateway { get; }

    public HttpClient Http => Gateway.Http;

    public string DataPath { get; }

    public static async Task<OwnDatabaseCluster> StartAsync(int silos, IReadOnlyDictionary<string, string?>? extra = null)
    {
        var server = await PostgresServer.StartDedicatedAsync();
        var database = await server.CreateDatabaseAsync("recovery");
        var settings = new Dictionary<string, string?>
        {
            ["Sonia:Database:Provider"] = database.Provider.ToString(),
            ["Sonia:Database:ConnectionString"] = database.ConnectionString,
            ["Sonia:Cluster:Clustering"] = "AdoNet",
            ["Sonia:Cluster:ProbeTimeoutSeconds"] = "1",
            ["Sonia:Actions:Drills:Enabled"] = "true",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var cluster = await TestClusters.DeployAsync<SiloConfigurator>(silos, settings);
        var dataPath = Path.Combine(Path.GetTempPath(), $"sonia-recovery-{Guid.NewGuid():N}");
        var gateway = await TestClusters.StartGatewayAsync(TestClusters.GatewaySettings(cluster, settings, dataPath, "gateway-recovery"));
        return new OwnDatabaseCluster(server, database, cluster, gateway, dataPath);
    }

    public async ValueTask DisposeAsync()
    {
        // A test that failed mid-outage: silos stop cleanly only when they can write their membership row.
        if (Server.IsStopped)
        {
            await Server.RestartAsync();
        }

        await Gateway.DisposeAsync();
        await TestClusters.StopAsync(Cluster);
        await Server.StopImmediatelyAsync();
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) => siloBuilder.AddSonia(siloBuilder.Configuration);
    }
}
