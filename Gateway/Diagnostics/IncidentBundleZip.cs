using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace Sonia.Gateway.Diagnostics;

/// <summary>
/// The zip as it is written to the response: one entry at a time, each finished before the next starts, so the
/// bundle is never held whole in memory. Every text passes through the bundle's redactor on its way in.
/// </summary>
public sealed class IncidentBundleZip(ZipArchive zip, AsyncOnlyStream body, BundleSecrets secrets, JsonSerializerOptions json)
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Names of the entries written so far.</summary>
    public List<string> Entries { get; } = [];

    public BundleSecrets Secrets => secrets;

    public Task WriteJsonAsync<T>(string path, T value, CancellationToken cancellationToken) =>
        WriteTextAsync(path, JsonSerializer.Serialize(value, json), cancellationToken);

    public async Task WriteTextAsync(string path, string text, CancellationToken cancellationToken)
    {
        await using (var writer = await OpenAsync(path, cancellationToken))
        {
            await writer.WriteAsync(secrets.Redactor.Scrub(text).AsMemory(), cancellationToken);
        }

        await EntryClosedAsync(cancellationToken);
    }

    /// <summary>Copies <paramref name="content"/> as it is: for files that hold no secret by construction (package lock files).</summary>
    public async Task CopyAsync(string path, Stream content, CancellationToken cancellationToken)
    {
        var entry = zip.CreateEntry(path, CompressionLevel.Fastest);
        Entries.Add(path);
        await using (var stream = await entry.OpenAsync(cancellationToken))
        {
            await content.CopyToAsync(stream, cancellationToken);
        }

        await EntryClosedAsync(cancellationToken);
    }

    /// <summary>Sends what closing an entry wrote synchronously; call after disposing a writer from <see cref="OpenAsync"/>.</summary>
    public Task EntryClosedAsync(CancellationToken cancellationToken) => body.SendPendingAsync(cancellationToken);

    /// <summary>A writer for a new entry; the caller scrubs what it writes and disposes the writer before the next entry.</summary>
    public async Task<StreamWriter> OpenAsync(string path, CancellationToken cancellationToken)
    {
        var entry = zip.CreateEntry(path, CompressionLevel.Fastest);
        Entries.Add(path);
        return new StreamWriter(await entry.OpenAsync(cancellationToken), Utf8, bufferSize: 64 * 1024, leaveOpen: false);
    }
}
