using Microsoft.Extensions.DependencyInjection;
using Sonia.Grains.Health;
using Sonia.Hosting.Database;

namespace Sonia.Grains.Diagnostics;

public static class DiagnosticsServiceCollectionExtensions
{
    /// <summary>The SQL readers of the health supervisor's ledger checks and of the diagnostics snapshot.</summary>
    public static IServiceCollection AddSoniaDiagnostics(this IServiceCollection services, DatabaseOptions database)
    {
        services.AddSingleton(new LedgerHealthReader(database));
        services.AddSingleton(new DiagnosticsReader(database));
        return services;
    }
}
