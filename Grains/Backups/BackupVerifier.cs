using System.Data.Common;
using System.Security.Cryptography;
using System.Text.Json;
using Sonia.Grains.Interfaces.Backups;

namespace Sonia.Grains.Backups;

/// <summary>
/// Verifies a stored backup: the manifest's digest, then every artifact's SHA-256 recomputed by the database and by the
/// application (streamed, never whole in memory), both against the manifest, then a test restore. The database computes its
/// digests on a connection of its own while the application reads; each artifact is read once, and the DLQ and actions
/// artifacts are loaded into the test restore from that same read. Every difference is named in
/// <see cref="BackupVerification.Problems"/>.
/// </summary>
public sealed class BackupVerifier(BackupStore store, TimeProvider time)
{
    private readonly ScratchRestore _scratch = new(store);

    /// <summary>Null for an unknown backup; <paramref name="progress"/> hears (phase, artifacts checked, artifacts listed).</summary>
    public async Task<BackupVerification?> VerifyAsync(string backupId, CancellationToken cancellationToken = default,
        BackupProfile? profile = null, Action<string, int, int>? progress = null)
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
            var why = view.Error is null ? string.Empty : $" ({view.Error})";
            problems.Add($"the backup is {view.Status}{why}: it has no complete snapshot");
        }
        else if (!manifestCheck.Passed)
        {
            problems.Add($"{BackupWriter.ManifestName} changed: stored sha256 {stored}, application {app}, database {database}");
        }

        var (format, listed) = Listed(manifest, problems);
        var segments = ArtifactSegment.Listed(manifest, problems);
        var tables = view.Status == BackupStatuses.Succeeded ? BackupTables.Restored(format) : null;
        if (view.Status == BackupStatuses.Succeeded && format is not null && tables is null)
        {
            problems.Add($"the backup is in format {format}; this Sonia test-restores and restores " +
                $"{string.Join(" and ", BackupTables.RestoredFormats)} only " +
                "(its digests are checked above, and its export still verifies offline with deploy/verify-backup.sh)");
        }

        // Three things at once, each on a connection of its own: the database's digests, and the test restores of the two
        // restored tables (each reading its artifact once, for its application digest and its load); the rest read meanwhile.
        // The stored artifact rows (view.Artifacts), whatever the manifest lists: a row it does not list is reported below.
        var digests = DigestsAsync(backupId, view.Artifacts, segments, profile, cancellationToken);
        var done = 0;
        // The phase the next report names: the test restores report from their own tasks, so they read the current one.
        var phase = "hashing and test-restoring";
        void Checked() => progress?.Invoke(phase, Interlocked.Increment(ref done), listed.Count);
        progress?.Invoke(tables is null ? "hashing" : "opening the test restore", 0, listed.Count);
        var restores = tables?.All.Select(t => RestoreAsync(backupId, t, listed, profile, Checked, cancellationToken)).ToList() ?? [];
        var checks = new List<ArtifactCheck>();
        foreach (var artifact in listed.Where(a => tables?.Restores(a.Name) != true))
        {
            checks.Add(await CheckAsync(backupId, artifact, null, profile, cancellationToken));
            Checked();
        }

        phase = "test restore: loading and reading back";
        progress?.Invoke(phase, done, listed.Count);
        TestRestoreResult? restore = null;
        if (tables is not null)
        {
            var parts = await Task.WhenAll(restores);
            checks.AddRange(parts.Select(p => p.Check).OfType<ArtifactCheck>());
            var errors = parts.Select(p => p.Restore.Error).OfType<string>().ToList();
            restore = new TestRestoreResult(ScratchRestore.SchemaFor(backupId) + "_*", parts.All(p => p.Restore.Passed),
                parts.SelectMany(p => p.Restore.Tables).ToList(), errors.Count > 0 ? string.Join("; ", errors) : null);
        }

        if (restore is { Passed: false })
        {
            problems.Add("test restore failed: " + (restore.Error ?? string.Join(", ", restore.Tables.Where(t => !t.Passed).Select(t =>
                $"{t.Table} restored {t.RowsRestored} row(s) with sha256 {t.Sha256Restored}, " +
                $"manifest {t.RowsManifest} with {t.Sha256Manifest}"))));
        }

        progress?.Invoke("waiting for the database's digests", done, listed.Count);
        var byDatabase = await digests;
        checks = listed.Select(a => checks.FirstOrDefault(c => c.Name == a.Name)).OfType<ArtifactCheck>()
            .Select(c => Judge(c, listed.First(a => a.Name == c.Name), segments.GetValueOrDefault(c.Name), byDatabase, problems))
            .ToList();
        problems.AddRange(byDatabase.Keys.Except(listed.Select(a => a.Name), StringComparer.Ordinal)
            .Select(n => $"artifact {n} is not in the manifest"));
        return new BackupVerification(backupId, problems.Count == 0, time.GetUtcNow(), manifestCheck, checks, restore, problems);
    }

    /// <summary>One restored table: its artifact read once (hashed and loaded), then read back; the check is null when unlisted.</summary>
    private async Task<(ArtifactCheck? Check, TestRestoreResult Restore)> RestoreAsync(string backupId, BackupTable table,
        IReadOnlyList<BackupArtifact> listed, BackupProfile? profile, Action done, CancellationToken cancellationToken)
    {
        var artifact = listed.FirstOrDefault(a => a.Name == table.Artifact);
        ScratchRestore.Session scratch;
        try
        {
            scratch = await _scratch.OpenAsync(backupId, table, profile, cancellationToken);
        }
        catch (DbException ex)
        {
            // No scratch schema (no rights to create one, say): the test restore fails and says why; the digests still count.
            var unloaded = artifact is null ? null : await CheckAsync(backupId, artifact, null, profile, cancellationToken);
            done();
            return (unloaded, new TestRestoreResult(ScratchRestore.SchemaFor(backupId) + "_" + table.Unqualified, false, [],
                $"{table.Artifact}: {ex.GetType().Name}: {ex.Message}"));
        }

        await using (scratch)
        {
            var check = artifact is null ? null : await CheckAsync(backupId, artifact, scratch, profile, cancellationToken);
            done();
            return (check, await scratch.FinishAsync(listed, cancellationToken));
        }
    }

    private async Task<Dictionary<string, DatabaseDigest>> DigestsAsync(string backupId, IReadOnlyList<BackupArtifact> stored,
        IReadOnlyDictionary<string, IReadOnlyList<ArtifactSegment>> segments, BackupProfile? profile, CancellationToken cancellationToken)
    {
        var started = profile.Start();
        var digests = await store.DatabaseDigestsAsync(backupId, stored, segments, cancellationToken);
        profile.Stop(BackupProfile.DatabaseHash, started);
        return digests;
    }

    /// <summary>The application's side of one artifact: read once, hashed, and loaded into the test restore when it is restored.</summary>
    private async Task<ArtifactCheck> CheckAsync(string backupId, BackupArtifact artifact, ScratchRestore.Session? scratch,
        BackupProfile? profile, CancellationToken cancellationToken)
    {
        var started = profile.Start();
        using var hashing = new HashingStream(null, profile, BackupProfile.AppHash);
        var found = await store.ReadContentAsync(backupId, artifact.Name, async content =>
        {
            await using var reading = new HashingReadStream(content, hashing);
            if (scratch is not null)
            {
                await scratch.LoadAsync(reading, cancellationToken);
            }
            else
            {
                await reading.CopyToAsync(Stream.Null, cancellationToken);
            }
        }, cancellationToken);
        if (scratch is null)
        {
            profile.Stop(BackupProfile.AppHash, started);
        }

        // Rows are lines in the table artifacts; the configuration files are checked by bytes and digest alone.
        var rows = artifact.Name.EndsWith(".tsv", StringComparison.Ordinal) ? hashing.Lines : artifact.Rows;
        return found
            ? new ArtifactCheck(artifact.Name, rows, hashing.Bytes, artifact.Sha256, hashing.Finish(), null, false)
            : new ArtifactCheck(artifact.Name, artifact.Rows, artifact.Bytes, artifact.Sha256, null, null, false);
    }

    /// <summary>
    /// Compares the application's and the database's digests (and the sizes) with the manifest, naming any difference; for an
    /// artifact in digest <paramref name="segments"/>, the database's digest of each segment against the manifest's.
    /// </summary>
    private static ArtifactCheck Judge(ArtifactCheck check, BackupArtifact artifact, IReadOnlyList<ArtifactSegment>? segments,
        Dictionary<string, DatabaseDigest> byDatabase, List<string> problems)
    {
        if (check.Sha256App is null)
        {
            problems.Add($"artifact {artifact.Name} is missing");
            return check;
        }

        var (database, error, bySegment) = byDatabase.GetValueOrDefault(artifact.Name) ?? new DatabaseDigest(null, null);
        var parts = segments?.Select((s, i) => new SegmentCheck(s.SeqFrom, s.SeqTo, s.Bytes, s.Sha256, bySegment?.ElementAtOrDefault(i),
            bySegment?.ElementAtOrDefault(i) == s.Sha256)).ToList();
        var lines = artifact.Name.EndsWith(".tsv", StringComparison.Ordinal);
        var appPassed = check.Sha256App == artifact.Sha256 && check.Bytes == artifact.Bytes && (!lines || check.Rows == artifact.Rows);
        var databasePassed = parts is null ? database == artifact.Sha256 : error is null && parts.TrueForAll(p => p.Passed);
        var passed = appPassed && databasePassed;
        if (appPassed && error is not null)
        {
            problems.Add($"artifact {artifact.Name}: the database could not compute its digest ({error})");
        }
        else if (!passed)
        {
            var byDb = parts is null ? $"database {database ?? "none"}" : "database " + (parts.TrueForAll(p => p.Passed)
                ? "the same in every segment"
                : string.Join(", ", parts.Select((p, i) => (p, i)).Where(x => !x.p.Passed).Select(x =>
                    $"segment {x.i + 1} of {parts.Count} (chunks {x.p.SeqFrom}-{x.p.SeqTo - 1}) {x.p.Sha256Db ?? "none"}, " +
                    $"manifest {x.p.Sha256Manifest}")));
            problems.Add($"artifact {artifact.Name} changed: manifest sha256 {artifact.Sha256}, application {check.Sha256App}, " +
                $"{byDb}; {check.Bytes} bytes and {check.Rows} line(s), manifest {artifact.Bytes} bytes and {artifact.Rows} row(s)");
        }

        return check with { Sha256Db = database, Passed = passed, Segments = parts };
    }

    /// <summary>The manifest's format and the artifacts it lists; a manifest that cannot be read lists none, and says so.</summary>
    internal static (string? Format, List<BackupArtifact> Artifacts) Listed(byte[]? manifest, List<string> problems)
    {
        if (manifest is null)
        {
            return (null, []);
        }

        try
        {
            using var document = JsonDocument.Parse(manifest);
            var format = document.RootElement.TryGetProperty("format", out var f) ? f.GetString() : null;
            return (format, document.RootElement.GetProperty("artifacts").EnumerateArray().Select(a => new BackupArtifact(
                a.GetProperty("name").GetString()!, a.GetProperty("rows").GetInt64(), a.GetProperty("bytes").GetInt64(),
                a.GetProperty("sha256").GetString()!)).ToList());
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            problems.Add($"{BackupWriter.ManifestName} cannot be read: {ex.Message}");
            return (null, []);
        }
    }
}
