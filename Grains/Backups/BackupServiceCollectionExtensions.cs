using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Sonia.Hosting.Cluster;
using Sonia.Hosting.Database;

namespace Sonia.Grains.Backups;

/// <summary>Registers <see cref="BackupOptions"/> (bound and validated here) and the backup writer, store, verifier and restorer.</summary>
public static class BackupServiceCollectionExtensions
{
    public static IServiceCollection AddSoniaBackups(
        this IServiceCollection services, IConfiguration configuration, DatabaseOptions database)
    {
        var options = OptionsValidation.BindValidated(configuration, BackupOptions.SectionName, new BackupOptionsValidator());
        services.AddSingleton(options);
        services.AddSingleton(new BackupStore(database, options.CommandTimeout));
        services.AddSingleton(sp => new ConfigArtifacts(sp.GetRequiredService<IConfiguration>(), options));
        services.AddSingleton(sp => new BackupWriter(database, sp.GetRequiredService<IOptions<ClusterOptions>>(),
            sp.GetRequiredService<ConfigArtifacts>(), sp.GetRequiredService<TimeProvider>(), options.CommandTimeout));
        services.AddSingleton(sp => new BackupVerifier(sp.GetRequiredService<BackupStore>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new DlqRestorer(sp.GetRequiredService<BackupStore>()));
        return services;
    }
}
