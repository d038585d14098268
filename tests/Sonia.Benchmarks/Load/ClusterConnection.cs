using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Runtime;

namespace Sonia.Benchmarks.Load;

/// <summary>
/// An Orleans client of the driver's own, connected straight to the silo's client gateway port on 127.0.0.1 (static
/// clustering: no membership reads): the in-cluster load submits through it, and it reads the activation counts at
/// the end of a run.
/// </summary>
public sealed class ClusterConnection : IAsyncDisposable
{
    private readonly IHost _host;

    private ClusterConnection(IHost host) => _host = host;

    public IClusterClient Client => _host.Services.GetRequiredService<IClusterClient>();

    /// <param name="gatewayPort">The silo's Orleans gateway port (<c>Sonia:Cluster:GatewayPort</c>).</param>
    /// <param name="clusterId">The cluster's id and service id (<c>Sonia:Cluster</c>; both <c>sonia</c> by default).</param>
    public static async Task<ClusterConnection> ConnectAsync(int gatewayPort, string clusterId = "sonia")
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (clusterId, clusterId));
            client.UseStaticClustering(new IPEndPoint(IPAddress.Loopback, gatewayPort));
        });
        var host = builder.Build();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await host.StartAsync(limit.Token);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            host.Dispose();
            throw new InvalidOperationException($"cannot connect an Orleans client to 127.0.0.1:{gatewayPort}: {ex.Message}", ex);
        }

        return new ClusterConnection(host);
    }

    /// <summary>Activations in the whole cluster, and those of the action grain, as the silos count them now.</summary>
    public async Task<ActivationCounts> CountActivationsAsync()
    {
        var statistics = await Client.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics();
        return new ActivationCounts(
            statistics.Sum(s => s.ActivationCount),
            statistics.Where(s => IsActionGrain(s.GrainType)).Sum(s => s.ActivationCount));
    }

    /// <summary>The grain class's name, as the statistics give it: full name, then maybe the assembly after a comma.</summary>
    private static bool IsActionGrain(string grainType) =>
        grainType.Split(',')[0].Trim() is var name && (name == "ActionGrain" || name.EndsWith(".ActionGrain", StringComparison.Ordinal));

    public async ValueTask DisposeAsync()
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _host.StopAsync(limit.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or OrleansException)
        {
            // Stopping a client whose silo already went is not worth a failed run.
        }

        _host.Dispose();
    }
}

/// <summary>Grain activations at one moment: all of them, and the action grains (one per action still in memory).</summary>
public sealed record ActivationCounts(int Total, int ActionGrains);
