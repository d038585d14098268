using System.Security.Cryptography;
using System.Text.Json;
using Sonia.Grains.Interfaces.Backups;

namespace Sonia.Grains.Backups;

/// <summary>
/// Verifies a stored backup: the manifest's digest, then every artifact's SHA-256 recomputed by the database and by the
/// application (streamed, never whole in memory), both against the manifest, then a test restore. Every difference is
/// named in <see cref="BackupVerification.Problems"/>.
/// </summary>
public sealed class BackupVerifier(BackupStore store, TimeProvider time)
{
    private readonly ScratchRestore _scratch = new(store);

    /// <summary>Null for an unknown backup.</summary>
    public async Task<BackupVerification?> VerifyAsync(string backupId, CancellationToken cancellationToken = default)
    {
        var view = await store.GetAsync(backupId, null, cancellationToken);
        if (view is null)
        {
            return null;
        }

        var problems = new List<string>();
        var (manifest, stored, database) = await store.ManifestAsync(backupId, cancellationToken);
        var app = manifest is null ? null : Convert.ToHexStringLower(SHA256.HashData(manifest));
        var manifestCheck = new ArtifactCheck(BackupWriter.ManifestName, 0, manifest?.Length ?? 0, stored, app, database,
            app is not null && app == stored && database == stored);
        if (view.Status != BackupStatuses.Succeeded)
        {
            problems.Add($"the backup is {view.Status}{(view.Error is null ? string.Empty : $" ({view.Error})")}: it has no complete snapshot");
        }
        else if (!manifestCheck.Passed)
        {
            problems.Add($"{BackupWriter.ManifestName} changed: stored sha256 {stored}, application {app}, database {database}");
        }

        var listed = Listed(manifest, problems);
        var digests = await store.DatabaseDigestsAsync(backupId, cancellationToken);
        var checks = new List<ArtifactCheck>();
        foreach (var artifact in listed)
        {
            checks.Add(await CheckAsync(backupId, artifact, digests.GetValueOrDefault(artifact.Name), problems, cancellationToken));
        }

        problems.AddRange(digests.Keys.Except(listed.Select(a => a.Name), StringComparer.Ordinal).Select(n => $"artifact {n} is not in the manifest"));
        var restore = view.Status == BackupStatuses.Succeeded ? await _scratch.RunAsync(backupId, listed, cancellationToken) : null;
        if (restore is { Passed: false })
        {
            problems.Add("test restore failed: " + (restore.Error ?? string.Join(", ", restore.Tables.Where(t => !t.Passed).Select(t =>
                $"{t.Table} restored {t.RowsRestored} row(s) with sha256 {t.Sha256Restored}, manifest {t.RowsManifest} with {t.Sha256Manifest}"))));
        }

        return new BackupVerification(backupId, problems.Count == 0, time.GetUtcNow(), manifestCheck, checks, restore, problems);
    }

    private async Task<ArtifactCheck> CheckAsync(string backupId, BackupArtifact artifact, string? database, List<string> problems,
        CancellationToken cancellationToken)
    {
        (long Rows, long Bytes, string Sha) actual = default;
        var found = await store.ReadContentAsync(backupId, artifact.Name, async content => actual = await HashAsync(content, cancellationToken),
            cancellationToken);
        if (!found)
        {
            problems.Add($"artifact {artifact.Name} is missing");
            return new ArtifactCheck(artifact.Name, artifact.Rows, artifact.Bytes, artifact.Sha256, null, null, false);
        }

        // Rows are lines in the JSON Lines artifacts; the configuration files are checked by bytes and digest alone.
        var lines = artifact.Name.EndsWith(".jsonl", StringComparison.Ordinal);
        var rowsMatch = !lines || actual.Rows == artifact.Rows;
        var passed = actual.Sha == artifact.Sha256 && database == artifact.Sha256 && actual.Bytes == artifact.Bytes && rowsMatch;
        if (!passed)
        {
            problems.Add($"artifact {artifact.Name} changed: manifest sha256 {artifact.Sha256}, application {actual.Sha}, database {database}; " +
                $"{actual.Bytes} bytes and {actual.Rows} line(s), manifest {artifact.Bytes} bytes and {artifact.Rows} row(s)");
        }

        return new ArtifactCheck(artifact.Name, lines ? actual.Rows : artifact.Rows, actual.Bytes, artifact.Sha256, actual.Sha, database, passed);
    }

    private static async Task<(long Rows, long Bytes, string Sha)> HashAsync(Stream content, CancellationToken cancellationToken)
    {
        using var hashing = new HashingStream(null);
        var buffer = new byte[64 * 1024];
        long lines = 0;
        int read;
        while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
        {
            lines += buffer.AsSpan(0, read).Count((byte)'\n');
            await hashing.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }

        return (lines, hashing.Bytes, hashing.Finish());
    }

    /// <summary>The artifacts the manifest lists; a manifest that cannot be read lists none, and says so.</summary>
    private static List<BackupArtifact> Listed(byte[]? manifest, List<string> problems)
    {
        if (manifest is null)
        {
            return [];
        }

        try
        {
            using var document = JsonDocument.Parse(manifest);
            return document.RootElement.GetProperty("artifacts").EnumerateArray().Select(a => new BackupArtifact(
                a.GetProperty("name").GetString()!, a.GetProperty("rows").GetInt64(), a.GetProperty("bytes").GetInt64(),
                a.GetProperty("sha256").GetString()!)).ToList();
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            problems.Add($"{BackupWriter.ManifestName} cannot be read: {ex.Message}");
            return [];
        }
    }
}
