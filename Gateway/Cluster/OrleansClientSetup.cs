using Orleans.Configuration;
using Sonia.Hosting.Cluster;
using Sonia.Hosting.Database;

namespace Sonia.Gateway.Cluster;

/// <summary>The gateway's Orleans client: same cluster identity and clustering as the silos.</summary>
public static class OrleansClientSetup
{
    public static WebApplicationBuilder AddSoniaClusterClient(this WebApplicationBuilder builder)
    {
        var cluster = OptionsValidation.BindValidated(builder.Configuration, SoniaClusterOptions.SectionName, new SoniaClusterOptionsValidator());
        var database = cluster.Clustering == ClusteringMode.AdoNet
            ? OptionsValidation.BindValidated(builder.Configuration, DatabaseOptions.SectionName, new DatabaseOptionsValidator())
            : null;

        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = cluster.ClusterId;
                o.ServiceId = cluster.ServiceId;
            });
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(cluster.GatewayListRefreshSeconds));
            if (database is not null)
            {
                client.UseAdoNetClustering(o =>
                {
                    o.Invariant = database.Invariant;
                    o.ConnectionString = database.ConnectionString;
                });
            }
            else
            {
                client.UseLocalhostClustering(cluster.GatewayPort, cluster.ServiceId, cluster.ClusterId);
            }

            client.UseConnectionRetryFilter<KeepTryingToConnect>();

            // One instance is both: it hears of a closed silo connection and ends the calls that were in flight on it.
            client.Services.AddSingleton<LostConnectionGuard>();
            client.Services.AddSingleton<IClusterConnectionStatusObserver>(sp => sp.GetRequiredService<LostConnectionGuard>());
            client.Services.AddSingleton<IOutgoingGrainCallFilter>(sp => sp.GetRequiredService<LostConnectionGuard>());
            client.AddActivityPropagation();
        });
        return builder;
    }
}

/// <summary>
/// The gateway starts before (or without) the silos and keeps trying to reach them; until it does,
/// <c>/readyz</c> is what tells an operator or a load balancer that it cannot serve yet.
/// </summary>
public sealed partial class KeepTryingToConnect(ILogger<KeepTryingToConnect> logger) : IClientConnectionRetryFilter
{
    private int _attempts;

    public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
    {
        var attempt = Interlocked.Increment(ref _attempts);
        if (attempt == 1 || attempt % 10 == 0)
        {
            LogWaiting(logger, attempt, exception.Message);
        }

        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Waiting for the Sonia cluster (attempt {Attempt}): {Reason}")]
    private static partial void LogWaiting(ILogger logger, int attempt, string reason);
}
