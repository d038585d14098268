using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Concurrency;
using Sonia.Grains.Interfaces.Diagnostics;
using Sonia.Hosting.Build;
using Sonia.Hosting.Configuration;
using Sonia.Hosting.Logging;

namespace Sonia.Grains.Diagnostics;

/// <inheritdoc cref="IIncidentSiloGrain"/>
/// <remarks>
/// Redaction happens here, so no secret leaves the silo: configuration and log lines carry this silo's placeholders,
/// and <see cref="DescribeAsync"/> gives their keyed fingerprints so the bundle can renumber them consistently.
/// The redactor is built once per activation from the configuration, so its numbering is the same on every call.
/// </remarks>
[SiloPinnedPlacement, Reentrant]
public sealed class IncidentSiloGrain(IConfiguration configuration, IServiceProvider services, ILocalSiloDetails silo)
    : Grain, IIncidentSiloGrain
{
    /// <summary>A page holds at most this many lines or characters, well inside an Orleans message.</summary>
    public const int PageLines = 5000;
    public const int PageChars = 4 * 1024 * 1024;

    private readonly SecretRedactor _redactor = new();
    private readonly LogFileLocation? _logs = services.GetService<LogFileLocation>();
    private SortedDictionary<string, string?>? _configuration;

    private SortedDictionary<string, string?> Configuration => _configuration ??= RedactedConfiguration.Dump(configuration, _redactor);

    public Task<IncidentSiloDescription> DescribeAsync(byte[]? secretKey = null)
    {
        using var process = Process.GetCurrentProcess();
        var dump = Configuration;
        return Task.FromResult(new IncidentSiloDescription(
            silo.SiloAddress.ToParsableString(),
            silo.Name,
            BuildManifest.SoniaVersion,
            BuildManifest.GitCommit,
            BuildManifest.DotNetVersion,
            BuildManifest.OrleansVersion,
            process.Id,
            new DateTimeOffset(process.StartTime.ToUniversalTime()),
            _logs?.ProcessName,
            _logs?.Files() ?? [],
            dump,
            secretKey is null ? new Dictionary<string, string>() : _redactor.Fingerprints(secretKey)));
    }

    public async Task<IncidentLogPage> ReadLogAsync(IncidentLogRequest request)
    {
        _ = Configuration; // The redactor must know this silo's secrets before it scrubs a line.
        var path = _logs?.PathOf(request.File)
            ?? throw new FileNotFoundException($"{request.File} is not a log file of silo {silo.SiloAddress}");

        // File reads block: keep them off the grain scheduler's threads.
        return await Task.Run(() =>
        {
            var matched = 0;
            var kept = 0;
            var cursor = request.Cursor;
            if (cursor is null)
            {
                var plan = LogWindowReader.Plan(path, request.From, request.To, Math.Max(1, request.MaxLines));
                (matched, kept, cursor) = (plan.Matched, plan.Kept, new IncidentLogCursor(plan.Start, plan.End));
            }

            var page = LogWindowReader.Read(path, request.From, request.To, cursor.Offset, cursor.End, PageLines, PageChars);
            return new IncidentLogPage(
                [.. page.Lines.Select(_redactor.Scrub)],
                page.Done ? null : cursor with { Offset = page.Next },
                matched,
                kept);
        });
    }
}
