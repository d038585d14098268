using System.Data;
using System.Data.Common;
using System.Text.Json;
using Sonia.Grains.Interfaces.Backups;
using Sonia.Grains.Storage;
using Sonia.Hosting.Database;

namespace Sonia.Grains.Backups;

/// <summary>Reads stored backups: their rows, artifacts (content streamed, never whole in memory) and verification history.</summary>
public sealed class BackupStore(DatabaseOptions database, TimeSpan commandTimeout)
{
    private readonly SqlRunner _sql = new(database) { CommandTimeoutSeconds = (int)commandTimeout.TotalSeconds };

    /// <summary>Runs statements with the backups' command timeout.</summary>
    public SqlRunner Sql => _sql;

    public BackupSql Statements { get; } = BackupSql.For(database.Provider);

    public DatabaseOptions Database => database;

    /// <summary>The backup, its artifacts and verifications; null when there is no row.</summary>
    public async Task<BackupView?> GetAsync(string backupId, BackupProgress? progress, CancellationToken cancellationToken = default)
    {
        BackupView? view = null;
        await _sql.QueryAsync(Statements.SelectBackup, r => view = Read(r), cancellationToken, ("backup_id", backupId));
        if (view is null)
        {
            return null;
        }

        var verifications = new List<BackupVerificationEntry>();
        await _sql.QueryAsync(Statements.SelectVerifications, r => verifications.Add(new BackupVerificationEntry(
                SqlValues.ReadTime(r, 0), r.GetString(1), r.GetBoolean(2),
                JsonSerializer.Deserialize<StoredResult>(r.GetString(3), BackupJson.Options)?.Problems ?? [])),
            cancellationToken, ("backup_id", backupId));
        return view with
        {
            // A running job's progress, or a running verification's, restore's or export's.
            Progress = progress,
            Artifacts = await ArtifactsAsync(backupId, cancellationToken),
            Verifications = verifications,
        };
    }

    public async Task<IReadOnlyList<BackupView>> ListAsync(int limit, CancellationToken cancellationToken = default)
    {
        var views = new List<BackupView>();
        await _sql.QueryAsync(Statements.ListBackups, r => views.Add(Read(r)), cancellationToken, ("limit", limit));
        return views;
    }

    public async Task<IReadOnlyList<BackupArtifact>> ArtifactsAsync(string backupId, CancellationToken cancellationToken = default)
    {
        var artifacts = new List<BackupArtifact>();
        await _sql.QueryAsync(Statements.SelectArtifacts,
            r => artifacts.Add(new BackupArtifact(r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.GetString(3).Trim())),
            cancellationToken, ("backup_id", backupId));
        return artifacts;
    }

    /// <summary>Calls <paramref name="read"/> with the artifact's content as a stream; false when there is no such artifact.</summary>
    public async Task<bool> ReadContentAsync(string backupId, string name, Func<Stream, Task> read,
        CancellationToken cancellationToken = default)
    {
        await using var content = await ArtifactContent.OpenAsync(this, backupId, name, cancellationToken);
        if (content is null)
        {
            return false;
        }

        await read(content);
        return true;
    }

    /// <summary>Every line of an artifact, in order (none when it is absent).</summary>
    public async IAsyncEnumerable<string> LinesAsync(string backupId, string name,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var content = await ArtifactContent.OpenAsync(this, backupId, name, cancellationToken);
        if (content is null)
        {
            yield break;
        }

        using var text = new StreamReader(content, System.Text.Encoding.UTF8);
        while (await text.ReadLineAsync(cancellationToken) is { } line)
        {
            yield return line;
        }
    }

    /// <summary>An artifact's content in pieces of at most <paramref name="size"/> bytes, in order.</summary>
    public async IAsyncEnumerable<byte[]> ChunksAsync(string backupId, string name, int size,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var content = await ArtifactContent.OpenAsync(this, backupId, name, cancellationToken);
        if (content is null)
        {
            yield break;
        }

        var buffer = new byte[size];
        int read;
        while ((read = await content.ReadAtLeastAsync(buffer, size, throwOnEndOfStream: false, cancellationToken)) > 0)
        {
            yield return buffer[..read];
        }
    }

    /// <summary>The manifest bytes, the digest stored beside them and the one the database computes now.</summary>
    public async Task<(byte[]? Manifest, string? Stored, string? Database)> ManifestAsync(string backupId,
        CancellationToken cancellationToken = default)
    {
        (byte[]?, string?, string?) result = default;
        await _sql.QueryAsync(Statements.SelectManifest, r => result = (
                r.IsDBNull(0) ? null : r.GetFieldValue<byte[]>(0), SqlValues.ReadNullableString(r, 1)?.Trim(),
                SqlValues.ReadNullableString(r, 2)?.Trim()),
            cancellationToken, ("backup_id", backupId));
        return result;
    }

    /// <summary>
    /// The SHA-256 the database computes now on the bytes of each of <paramref name="artifacts"/> (the backup's stored rows,
    /// <see cref="ArtifactsAsync"/>), one statement per artifact on one connection: an artifact the database cannot hash
    /// (over PostgreSQL's 1 GB value limit, in a backup written before digest segments, say) gets its error, the others their
    /// digest; an artifact the manifest lists in <paramref name="segments"/> gets each segment's digest instead.
    /// </summary>
    public async Task<Dictionary<string, DatabaseDigest>> DatabaseDigestsAsync(string backupId, IReadOnlyList<BackupArtifact> artifacts,
        IReadOnlyDictionary<string, IReadOnlyList<ArtifactSegment>> segments, CancellationToken cancellationToken = default)
    {
        var digests = new Dictionary<string, DatabaseDigest>(StringComparer.Ordinal);
        await using var connection = database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        foreach (var artifact in artifacts)
        {
            if (segments.TryGetValue(artifact.Name, out var parts))
            {
                digests[artifact.Name] = await SegmentDigestsAsync(connection, backupId, artifact.Name, parts, cancellationToken);
                continue;
            }

            await using var command = _sql.Command(connection, null, Statements.SelectDatabaseDigest,
                [("backup_id", backupId), ("name", artifact.Name)]);
            try
            {
                var digest = await command.ExecuteScalarAsync(cancellationToken);
                digests[artifact.Name] = new DatabaseDigest((digest as string)?.Trim(), null);
            }
            catch (DbException ex)
            {
                digests[artifact.Name] = new DatabaseDigest(null, ex.Message);
            }
        }

        return digests;
    }

    /// <summary>The database's digest of each segment of an artifact (an artifact larger than one value may be).</summary>
    private async Task<DatabaseDigest> SegmentDigestsAsync(DbConnection connection, string backupId, string name,
        IReadOnlyList<ArtifactSegment> parts, CancellationToken cancellationToken)
    {
        if (Statements.SelectDatabaseSegmentDigest is not { } sql)
        {
            return new DatabaseDigest(null, "this database stores an artifact whole: it has no segments to hash");
        }

        var digests = new List<string?>(parts.Count);
        foreach (var part in parts)
        {
            await using var command = _sql.Command(connection, null, sql,
                [("backup_id", backupId), ("name", name), ("seq_from", part.SeqFrom), ("seq_to", part.SeqTo)]);
            try
            {
                digests.Add((await command.ExecuteScalarAsync(cancellationToken) as string)?.Trim());
            }
            catch (DbException ex)
            {
                return new DatabaseDigest(null, ex.Message, digests);
            }
        }

        return new DatabaseDigest(null, null, digests);
    }

    public Task RecordVerificationAsync(BackupVerification verification, string actor, CancellationToken cancellationToken = default) =>
        _sql.ExecuteAsync(Statements.InsertVerification, cancellationToken, ("backup_id", verification.BackupId),
            ("at", verification.VerifiedAt), ("actor", actor), ("passed", verification.Passed),
            ("result", JsonSerializer.Serialize(verification, BackupJson.Options)));

    /// <summary>Finished backups beyond the newest <paramref name="keep"/>.</summary>
    public async Task<IReadOnlyList<string>> ExpiredAsync(int keep, CancellationToken cancellationToken = default)
    {
        var ids = new List<string>();
        await _sql.QueryAsync(Statements.SelectExpired, r => ids.Add(r.GetString(0)), cancellationToken, ("keep", keep));
        return ids;
    }

    public async Task<bool> DeleteAsync(string backupId, CancellationToken cancellationToken = default) =>
        await _sql.ExecuteAsync(Statements.DeleteBackup, cancellationToken, ("backup_id", backupId)) > 0;

    private static BackupView Read(DbDataReader r) => new(
        r.GetString(0), SqlValues.ReadNullableString(r, 1), r.GetString(2), r.GetString(3), SqlValues.ReadTime(r, 4),
        SqlValues.ReadNullableTime(r, 5), SqlValues.ReadNullableString(r, 6), SqlValues.ReadNullableString(r, 7)?.Trim(),
        SqlValues.ReadNullableString(r, 8), null, [], []);

    private sealed record StoredResult(IReadOnlyList<string>? Problems);
}

/// <summary>The database's digest of one artifact, or why it could not compute one.</summary>
public sealed record DatabaseDigest(string? Sha256, string? Error, IReadOnlyList<string?>? Segments = null);

/// <summary>The JSON shape verification results are stored in: snake_case, as the API shows them.</summary>
public static class BackupJson
{
    public static readonly JsonSerializerOptions Options =
        new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
}
