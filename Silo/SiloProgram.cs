using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Sonia.Hosting.Cluster;
using Sonia.Hosting.Database;
using Sonia.Hosting.Logging;
using Sonia.Hosting.Telemetry;
using Sonia.Silo.Hosting;
using Sonia.Silo.Telemetry;

namespace Sonia.Silo;

/// <summary>The silo's commands: <c>run</c> (default) hosts a silo, <c>migrate</c> applies migrations and exits.</summary>
public static class SiloProgram
{
    private const string Usage = "usage: Sonia.Silo [run|migrate] (settings from appsettings.json and Sonia__* environment variables)";

    public static async Task<int> RunAsync(string[] args)
    {
        var command = args.FirstOrDefault(a => !a.StartsWith('-') && !a.Contains('=')) ?? "run";
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = args.Where(a => a != command).ToArray(),
            ContentRootPath = AppContext.BaseDirectory,
        });

        try
        {
            var database = OptionsValidation.BindValidated(builder.Configuration, DatabaseOptions.SectionName, new DatabaseOptionsValidator());
            var cluster = OptionsValidation.BindValidated(builder.Configuration, SoniaClusterOptions.SectionName, new SoniaClusterOptionsValidator());
            switch (command)
            {
                case "migrate":
                    var applied = Preflight.Migrate(database);
                    Console.WriteLine(applied.Count == 0
                        ? $"database {ConnectionStrings.Describe(database)} is up to date"
                        : $"applied {applied.Count} migration(s) to {ConnectionStrings.Describe(database)}: {string.Join(", ", applied)}");
                    return 0;
                case "run":
                    Preflight.EnsureDatabaseReady(database, Console.Out);
                    return await RunSiloAsync(builder, cluster);
                case "help" or "--help" or "-h":
                    Console.WriteLine(Usage);
                    return 0;
                default:
                    await Console.Error.WriteLineAsync($"sonia-silo: unknown command '{command}'. {Usage}");
                    return 64;
            }
        }
        catch (StartupException ex)
        {
            await Console.Error.WriteLineAsync($"sonia-silo: {ex.Message}");
            return 2;
        }
    }

    private static async Task<int> RunSiloAsync(HostApplicationBuilder builder, SoniaClusterOptions cluster)
    {
        var siloName = $"silo-{cluster.SiloPort}";
        builder.Services.AddSoniaLogging(builder.Configuration, siloName);
        builder.Services.AddSoniaTelemetry(builder.Configuration, "sonia-silo", SiloMetricsListener.From(builder.Configuration));
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        builder.UseOrleans(silo =>
        {
            silo.AddSonia(builder.Configuration);
            silo.UseSoniaEndpoints(cluster);
            silo.Configure<SiloOptions>(o => o.SiloName = siloName);
        });

        using var host = builder.Build();
        try
        {
            await host.RunAsync();
            return 0;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            await Console.Error.WriteLineAsync($"sonia-silo: the silo stopped on an error: {ex.GetType().Name}: {ex.Message}");
            return 1;
        }
    }
}
