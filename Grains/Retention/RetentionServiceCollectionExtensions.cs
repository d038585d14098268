using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Sonia.Grains.Actions.Tools;
using Sonia.Hosting.Database;

namespace Sonia.Grains.Retention;

/// <summary>Registers <see cref="RetentionOptions"/> (validated when the silo starts) and the <see cref="RetentionPurger"/>.</summary>
public static class RetentionServiceCollectionExtensions
{
    public static IServiceCollection AddSoniaRetention(this IServiceCollection services, IConfiguration configuration, DatabaseOptions database)
    {
        services.AddOptions<RetentionOptions>().Bind(configuration.GetSection(RetentionOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RetentionOptions>, RetentionOptionsValidator>();
        services.AddSingleton(sp => new RetentionPurger(database, sp.GetRequiredService<IOptions<RetentionOptions>>(),
            sp.GetRequiredService<ActionsOptions>(), sp.GetRequiredService<IOptions<ClusterOptions>>()));
        return services;
    }
}
