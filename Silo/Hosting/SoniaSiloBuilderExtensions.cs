using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Configuration;
using Sonia.Grains.Actions;
using Sonia.Grains.Actions.Tools;
using Sonia.Grains.Audit;
using Sonia.Grains.Backups;
using Sonia.Grains.Breakers;
using Sonia.Grains.Conversations;
using Sonia.Grains.Correlation;
using Sonia.Grains.Diagnostics;
using Sonia.Grains.Health;
using Sonia.Grains.Retention;
using Sonia.Grains.Storage;
using Sonia.Grains.Telemetry;
using Sonia.Hosting.Cluster;
using Sonia.Hosting.Database;

namespace Sonia.Silo.Hosting;

/// <summary>Everything a Sonia silo needs besides its endpoints, shared by the silo process and test clusters.</summary>
public static class SoniaSiloBuilderExtensions
{
    /// <summary>
    /// Storage, reminders and (in <see cref="ClusteringMode.AdoNet"/>) membership in the configured database,
    /// correlation filters and activity propagation. Throws <see cref="StartupException"/> on invalid options.
    /// </summary>
    public static ISiloBuilder AddSonia(this ISiloBuilder silo, IConfiguration configuration, bool configureClustering = true)
    {
        var database = OptionsValidation.BindValidated(configuration, DatabaseOptions.SectionName, new DatabaseOptionsValidator());
        var cluster = OptionsValidation.BindValidated(configuration, SoniaClusterOptions.SectionName, new SoniaClusterOptionsValidator());

        if (configureClustering && cluster.Clustering == ClusteringMode.AdoNet)
        {
            silo.UseAdoNetClustering(o =>
            {
                o.Invariant = database.Invariant;
                o.ConnectionString = database.ConnectionString;
            });
        }

        silo.AddAdoNetGrainStorage(SoniaStorage.Name, o =>
        {
            o.Invariant = database.Invariant;
            o.ConnectionString = database.ConnectionString;
            o.GrainStorageSerializer = new SnakeCaseJsonGrainStorageSerializer();
        });
        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = database.Invariant;
            o.ConnectionString = database.ConnectionString;
        });

        silo.Configure<ClusterMembershipOptions>(o => o.ProbeTimeout = TimeSpan.FromSeconds(cluster.ProbeTimeoutSeconds));
        // Activity propagation first: its span is then current when the correlation filter tags it with the correlation id.
        silo.AddActivityPropagation();
        silo.AddIncomingGrainCallFilter<CorrelationIncomingFilter>();
        silo.AddOutgoingGrainCallFilter<CorrelationOutgoingFilter>();

        // Recovery (issue 13): a database outage is a 503 at the gateway, not a 500.
        silo.AddIncomingGrainCallFilter<DatabaseUnavailableFilter>();

        silo.Services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.SectionName);
        silo.Services.AddSingleton<DatabaseProbe>();
        silo.Services.AddSingleton(OptionsValidation.BindValidated(configuration, HealthOptions.SectionName, new HealthOptionsValidator()));
        var actions = ActionsOptions.Bind(configuration);
        silo.Services.AddSoniaBreakers(configuration, actions.BreakerNames());
        silo.Services.AddSoniaActions(configuration, actions, database);
        silo.Services.AddSoniaConversations(configuration, actions, database);
        silo.Services.AddSoniaRetention(configuration, database);
        silo.Services.AddSingleton(sp => new OperatorAuditLog(database, sp.GetRequiredService<TimeProvider>()));
        silo.Services.AddSoniaDiagnostics(database);
        silo.Services.AddSoniaBackups(configuration, database);
        silo.Services.AddSoniaMetrics(configuration);

        // Incident bundles: window reads in the database, and a grain on each silo for its own logs and configuration.
        silo.Services.AddSingleton(sp => new BundleReader(database, sp.GetRequiredService<OperatorAuditLog>()));
        silo.AddPlacementDirector<SiloPinnedPlacement, SiloPinnedPlacementDirector>();

        // The recovery sweep runs on a reminder; let its period be as short as an operator (or a test) sets it.
        silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromTicks(Math.Min(o.MinimumReminderPeriod.Ticks, actions.RecoveryInterval.Ticks)));
        silo.Services.TryAddSingleton(TimeProvider.System);
        return silo;
    }

    /// <summary>Cluster identity, ports and (for one node) localhost clustering, from <see cref="SoniaClusterOptions"/>.</summary>
    public static ISiloBuilder UseSoniaEndpoints(this ISiloBuilder silo, SoniaClusterOptions cluster)
    {
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = cluster.ClusterId;
            o.ServiceId = cluster.ServiceId;
        });

        if (cluster.Clustering == ClusteringMode.Localhost)
        {
            silo.UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort, serviceId: cluster.ServiceId, clusterId: cluster.ClusterId);
            return silo;
        }

        silo.ConfigureEndpoints(
            System.Net.IPAddress.Parse(cluster.AdvertisedAddress),
            cluster.SiloPort,
            cluster.GatewayPort,
            listenOnAnyHostAddress: false);
        return silo;
    }
}
