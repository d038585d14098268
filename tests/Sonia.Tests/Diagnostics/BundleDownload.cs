using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Text.Json;

namespace Sonia.Tests.Diagnostics;

/// <summary>An incident bundle fetched and unzipped: every entry's text by name, and its metadata.</summary>
public sealed record BundleDownload(HttpStatusCode Status, string? ContentType, string? FileName, IReadOnlyDictionary<string, string> Entries)
{
    public JsonElement Metadata => JsonDocument.Parse(Entries["metadata.json"]).RootElement;

    public static async Task<BundleDownload> FetchAsync(HttpClient http, int windowMinutes)
    {
        using var response = await http.GetAsync($"/v1/diagnostics/bundle?window_minutes={windowMinutes.ToString(CultureInfo.InvariantCulture)}");
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        if (response.StatusCode == HttpStatusCode.OK)
        {
            await using var body = new MemoryStream(await response.Content.ReadAsByteArrayAsync());
            using var zip = new ZipArchive(body, ZipArchiveMode.Read);
            foreach (var entry in zip.Entries)
            {
                using var reader = new StreamReader(entry.Open());
                entries[entry.FullName] = await reader.ReadToEndAsync();
            }
        }

        return new BundleDownload(
            response.StatusCode,
            response.Content.Headers.ContentType?.MediaType,
            response.Content.Headers.ContentDisposition?.FileName?.Trim('"'),
            entries);
    }

    /// <summary>The lines of a JSON Lines entry.</summary>
    public IReadOnlyList<string> Lines(string entry) =>
        Entries[entry].Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public IEnumerable<string> FailedCollectors =>
        Metadata.GetProperty("failed_collectors").EnumerateArray().Select(f => f.GetProperty("name").GetString()!);

    /// <summary>Writes JSON Lines with the given times and markers, the way a rolled log file of a process looks.</summary>
    public static void PlantLog(string path, params (DateTimeOffset Ts, string Marker)[] lines) =>
        File.WriteAllLines(path, lines.Select(l => JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["ts"] = l.Ts.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
            ["level"] = "info",
            ["log"] = "app_log",
            ["msg"] = l.Marker,
        })));
}
