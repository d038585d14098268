using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serilog;
using Serilog.Events;
using Sonia.Hosting.Cluster;

namespace Sonia.Hosting.Logging;

/// <summary>Wires Serilog: a JSON Lines file per process (rolled by size) and a short console line.</summary>
public static class SoniaLogging
{
    /// <summary>Adds Serilog as the logging provider of a host; <paramref name="processName"/> names the file and the <c>silo</c> field.</summary>
    public static IServiceCollection AddSoniaLogging(this IServiceCollection services, IConfiguration configuration, string processName)
    {
        var options = OptionsValidation.BindValidated(configuration, LoggingOptions.SectionName, new LoggingOptionsValidator());
        var location = new LogFileLocation(ResolveDirectory(configuration, options), SafeFileName(processName));
        services.AddSingleton(location);
        var path = Path.Combine(location.Directory, location.ProcessName + ".jsonl");
        var consoleRedirected = Console.IsOutputRedirected;
        services.AddSerilog(logger => logger
            .MinimumLevel.Information()
            .MinimumLevel.Override("Orleans", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .MinimumLevel.Override("Polly", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)
            .Enrich.FromLogContext()
            .Enrich.With(new CorrelationEnricher(processName))
            .WriteTo.File(
                new JsonLinesFormatter(),
                path,
                fileSizeLimitBytes: options.FileSizeLimitBytes,
                rollOnFileSizeLimit: true,
                retainedFileCountLimit: options.RetainedFileCount,
                shared: false,
                flushToDiskInterval: TimeSpan.FromSeconds(1))
            // The console repeats the file in short. Redirected to a file (up.sh's *.out, a service manager), it keeps
            // warnings, errors and the host's start and stop lines: a line per request or per action rendered and written
            // twice was a tenth of the gateway's CPU under load, for a copy of what the JSON Lines file already holds.
            .WriteTo.Logger(console => console
                .Filter.ByIncludingOnly(e => !consoleRedirected || e.Level >= LogEventLevel.Warning || IsHostLifetime(e))
                .WriteTo.Console(
                    outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}",
                    standardErrorFromLevel: LogEventLevel.Error)),
            // Each host keeps its own logger: with the static one, the last host built in a process (a test's second
            // gateway, an in-process silo) would take every other host's lines into its own file.
            preserveStaticLogger: true);
        return services;
    }

    private static bool IsHostLifetime(LogEvent logEvent) =>
        logEvent.Properties.TryGetValue("SourceContext", out var source)
        && source is ScalarValue { Value: "Microsoft.Hosting.Lifetime" };

    /// <summary>The folder the JSON Lines files go to.</summary>
    public static string ResolveDirectory(IConfiguration configuration, LoggingOptions options)
    {
        var dataPath = configuration["Sonia:DataPath"] is { Length: > 0 } configured ? configured : ".data";
        return Path.GetFullPath(Path.Combine(dataPath, options.Directory));
    }

    private static string SafeFileName(string name) =>
        string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
}
