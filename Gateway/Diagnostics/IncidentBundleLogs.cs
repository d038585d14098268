using Sonia.Grains.Interfaces.Diagnostics;
using Sonia.Hosting.Logging;

namespace Sonia.Gateway.Diagnostics;

/// <summary>
/// The <c>logs/</c> folder: each process's JSON Lines files cut to the window, one collector per file, so one unreadable
/// file costs only itself. Entries are <c>logs/&lt;process&gt;/&lt;file&gt;</c>.
/// </summary>
public static class IncidentBundleLogs
{
    private const int PageLines = 5000;
    private const int PageChars = 4 * 1024 * 1024;

    /// <summary>The gateway's own files, read here (a gateway is no silo, so no grain can read them).</summary>
    public static async Task GatewayAsync(IncidentBundleCollectors collectors, IncidentBundleZip zip, LogFileLocation? location,
        BundleWindow window, IncidentBundleOptions options, CancellationToken cancellationToken)
    {
        if (location is null)
        {
            collectors.Notes.Add("logs: this gateway writes no log file");
            return;
        }

        var folder = collectors.LogFolder(location.ProcessName, "gateway");
        foreach (var file in location.Files())
        {
            var entry = $"logs/{folder}/{file}";
            await collectors.RunAsync(entry, async t =>
            {
                var path = Path.Combine(location.Directory, file);
                var plan = await Task.Run(() => LogWindowReader.Plan(path, window.From, window.To, options.MaxLinesPerLogFile), t);
                await using (var writer = await zip.OpenAsync(entry, t))
                {
                    await CopyWindowAsync(writer, zip, path, window, plan, t);
                }

                await zip.EntryClosedAsync(t);
                collectors.Logs.Add(new LogFileSummary(location.ProcessName, file, entry, plan.Matched, plan.Kept));
            }, cancellationToken);
        }
    }

    private static async Task CopyWindowAsync(StreamWriter writer, IncidentBundleZip zip, string path, BundleWindow window,
        LogWindowReader.WindowPlan plan, CancellationToken cancellationToken)
    {
        for (var offset = plan.Start; offset < plan.End;)
        {
            var start = offset;
            var page = await Task.Run(
                () => LogWindowReader.Read(path, window.From, window.To, start, plan.End, PageLines, PageChars), cancellationToken);
            foreach (var line in page.Lines)
            {
                await writer.WriteAsync((zip.Secrets.Redactor.Scrub(line) + "\n").AsMemory(), cancellationToken);
            }

            offset = page.Next;
        }
    }

    /// <summary>A silo's files, page by page from the grain placed on that silo.</summary>
    public static async Task SiloAsync(IncidentBundleCollectors collectors, IncidentBundleZip zip, IIncidentSiloGrain grain,
        IncidentSiloDescription silo, string folder, IReadOnlyDictionary<string, string> renumbering,
        BundleWindow window, IncidentBundleOptions options, CancellationToken cancellationToken)
    {
        if (silo.LogFiles.Count == 0)
        {
            collectors.Notes.Add($"logs: silo {silo.SiloAddress} writes no log file");
            return;
        }

        foreach (var file in silo.LogFiles)
        {
            var entry = $"logs/{folder}/{IncidentBundleCollectors.Safe(file)}";
            await collectors.RunAsync(entry, async t =>
            {
                (int Matched, int Kept) counts;
                await using (var writer = await zip.OpenAsync(entry, t))
                {
                    counts = await CopyPagesAsync(writer, zip, grain, new IncidentLogRequest(file, window.From, window.To,
                        options.MaxLinesPerLogFile, null), renumbering, t);
                }

                await zip.EntryClosedAsync(t);
                collectors.Logs.Add(new LogFileSummary(silo.LogProcessName ?? folder, file, entry, counts.Matched, counts.Kept));
            }, cancellationToken);
        }
    }

    /// <summary>Every page of one file's window; the first page tells how many lines the window held and how many are kept.</summary>
    private static async Task<(int Matched, int Kept)> CopyPagesAsync(StreamWriter writer, IncidentBundleZip zip, IIncidentSiloGrain grain,
        IncidentLogRequest request, IReadOnlyDictionary<string, string> renumbering, CancellationToken cancellationToken)
    {
        (int Matched, int Kept)? counts = null;
        do
        {
            var page = await grain.ReadLogAsync(request).WaitAsync(cancellationToken);
            counts ??= (page.Matched, page.Kept);
            foreach (var line in page.Lines)
            {
                await writer.WriteAsync((zip.Secrets.FromSilo(line, renumbering) + "\n").AsMemory(), cancellationToken);
            }

            request = request with { Cursor = page.Next };
        }
        while (request.Cursor is not null);

        return counts.Value;
    }
}
