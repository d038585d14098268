using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Sonia.Grains.Actions.Execution;
using Sonia.Grains.Actions.Ledger;
using Sonia.Grains.Actions.Tools;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Hosting.Cluster;
using Sonia.Hosting.Database;

namespace Sonia.Grains.Actions;

/// <summary>Registers the action pipeline: tool registry, ledger, executors and the recovery sweep.</summary>
public static class ActionServiceCollectionExtensions
{
    public static IServiceCollection AddSoniaActions(this IServiceCollection services, IConfiguration configuration, ActionsOptions actions, DatabaseOptions database)
    {
        services.AddSingleton(actions);
        services.TryAddKeyedSingleton<TimeProvider>(ActionClock.Key, (sp, _) => sp.GetRequiredService<TimeProvider>());
        services.AddSingleton(OptionsValidation.BindValidated(configuration, LedgerOptions.SectionName, new LedgerOptionsValidator()));
        services.AddSingleton(sp => new ActionLedger(database, sp.GetRequiredService<LedgerOptions>(), sp.GetRequiredService<ILogger<ActionLedger>>()));
        services.AddSingleton(new ActionReader(database));
        services.AddSingleton(new Sonia.Grains.DeadLetters.DeadLetterReader(database));
        services.AddHttpClient();
        services.AddSingleton(sp => new ExecutorRouter(actions, database, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, ActionRecoveryStarter>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, DeadSiloWatcher>();
        return services;
    }
}

/// <summary>Makes sure the recovery reminder exists once a silo is active.</summary>
public sealed partial class ActionRecoveryStarter(IGrainFactory grains, ILogger<ActionRecoveryStarter> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(ActionRecoveryStarter), ServiceLifecycleStage.Active, StartAsync);

    private Task StartAsync(CancellationToken cancellationToken)
    {
        // Not awaited: silo start must not wait on the reminder table. A few tries ride out a cluster still forming.
        _ = Task.Run(async () =>
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await grains.GetGrain<IActionRecoveryGrain>(IActionRecoveryGrain.ClusterKey).EnsureStartedAsync();
                    return;
                }
                catch (Exception ex) when (ex is not OutOfMemoryException && attempt < 10)
                {
                    LogNotStarted(logger, attempt, ex);
                    await Task.Delay(TimeSpan.FromSeconds(2 * attempt), CancellationToken.None);
                }
            }
        }, CancellationToken.None);
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not register the action recovery reminder (attempt {Attempt}); retrying")]
    private static partial void LogNotStarted(ILogger logger, int attempt, Exception exception);
}
