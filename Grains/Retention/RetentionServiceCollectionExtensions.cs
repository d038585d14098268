using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Sonia.Grains.Actions.Tools;
using Sonia.Hosting.Cluster;
using Sonia.Hosting.Database;

namespace Sonia.Grains.Retention;

/// <summary>
/// Registers <see cref="RetentionOptions"/> and the <see cref="RetentionPurger"/>. The options are bound and validated here,
/// so a bad value stops start-up with one line naming the setting, like every other Sonia option.
/// </summary>
public static class RetentionServiceCollectionExtensions
{
    public static IServiceCollection AddSoniaRetention(this IServiceCollection services, IConfiguration configuration, DatabaseOptions database)
    {
        var retention = OptionsValidation.BindValidated(configuration, RetentionOptions.SectionName, new RetentionOptionsValidator());
        services.AddSingleton(Options.Create(retention));
        services.AddSingleton(sp => new RetentionPurger(database, sp.GetRequiredService<IOptions<RetentionOptions>>(),
            sp.GetRequiredService<ActionsOptions>(), sp.GetRequiredService<IOptions<ClusterOptions>>()));
        return services;
    }
}
