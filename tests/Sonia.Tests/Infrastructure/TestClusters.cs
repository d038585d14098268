using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Orleans.TestingHost;
using Sonia.Gateway;

namespace Sonia.Tests.Infrastructure;

/// <summary>
/// What the cluster fixtures share: a TestCluster on real TCP with ADO.NET membership, storage and reminders (silos
/// configured by <typeparamref name="TSilo"/>), and the real gateway on a loopback port, an Orleans client of it.
/// </summary>
public static class TestClusters
{
    public static async Task<TestCluster> DeployAsync<TSilo>(int silos, IReadOnlyDictionary<string, string?> settings)
        where TSilo : ISiloConfigurator, new()
    {
        var builder = new TestClusterBuilder((short)silos);
        builder.Options.UseTestClusterMembership = false;
        builder.Options.ConnectionTransport = ConnectionTransportType.TcpSocket;
        foreach (var (key, value) in settings)
        {
            builder.Properties[key] = value;
        }

        builder.AddSiloBuilderConfigurator<TSilo>();
        builder.AddClientBuilderConfigurator<AdoNetClientConfigurator>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    /// <summary><paramref name="shared"/> plus what a gateway of <paramref name="cluster"/> needs: its ids, a free loopback port.</summary>
    public static Dictionary<string, string?> GatewaySettings(
        TestCluster cluster, IReadOnlyDictionary<string, string?> shared, string dataPath, string name) => new(shared)
    {
        ["Sonia:Cluster:ClusterId"] = cluster.Options.ClusterId,
        ["Sonia:Cluster:ServiceId"] = cluster.Options.ServiceId,
        ["Sonia:Cluster:GatewayListRefreshSeconds"] = "1",
        ["Sonia:DataPath"] = dataPath,
        ["Sonia:Gateway:Name"] = name,
        ["Urls"] = "http://127.0.0.1:0",
    };

    /// <summary>Starts <see cref="GatewayApp"/> with <paramref name="settings"/> (which should bind it to a free loopback port).</summary>
    public static async Task<TestGateway> StartGatewayAsync(IDictionary<string, string?> settings)
    {
        var app = GatewayApp.Build([], b => b.Configuration.AddInMemoryCollection(settings));
        await app.StartAsync();
        return new TestGateway(app, new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromSeconds(30) });
    }

    public static async Task StopAsync(TestCluster? cluster)
    {
        if (cluster is not null)
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }

    private sealed class AdoNetClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder clientBuilder) =>
            clientBuilder.UseAdoNetClustering(o =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = configuration["Sonia:Database:ConnectionString"];
            });
    }
}

/// <summary>A running gateway and an HTTP client aimed at it.</summary>
public sealed class TestGateway(WebApplication app, HttpClient http) : IAsyncDisposable
{
    public HttpClient Http { get; } = http;

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
