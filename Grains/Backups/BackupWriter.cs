using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Sonia.Grains.Interfaces.Backups;
using Sonia.Grains.Storage;
using Sonia.Hosting.Database;

namespace Sonia.Grains.Backups;

/// <summary>What a backup job was asked for.</summary>
public sealed record BackupRequest(string BackupId, string? Label, string Actor, string? CorrelationId, DateTimeOffset CreatedAt);

/// <summary>
/// Takes one backup: every table read in ONE transaction at the dialect's snapshot isolation (REPEATABLE READ on
/// PostgreSQL, SNAPSHOT on SQL Server), so all artifacts show the same instant. Each table's canonical rows
/// (<see cref="CanonicalRows"/>) go through a SHA-256 into the artifact's chunk rows (<see cref="ChunkSink"/>), written on a
/// second connection in a transaction of its own while the snapshot is read, so memory stays at one buffer whatever the
/// table's size; the artifact rows and the manifest are written last in that transaction, which commits only when all is
/// written: a backup is whole or absent. On PostgreSQL the database prints the rows itself (<c>COPY (SELECT …) TO
/// STDOUT</c>, the bytes passed through untouched); the grain-state artifacts (a parameterised read) and SQL Server are
/// written here.
/// </summary>
public sealed class BackupWriter(
    DatabaseOptions database, IOptions<ClusterOptions> cluster, ConfigArtifacts config, TimeProvider time, TimeSpan commandTimeout,
    int digestSegmentChunks = BackupWriter.DigestSegmentChunks)
{
    public const string ManifestName = "manifest.json";
    public const string Format = BackupTables.Format;

    /// <summary>
    /// Chunks per digest segment: 65,536 chunks of 7,800 bytes, 511 MB. PostgreSQL hashes one value of at most 1 GB, so the
    /// database cannot compute the SHA-256 of a larger artifact; the manifest also lists the digest of each segment of an
    /// artifact larger than one, which the verification has the database recompute (<see cref="ArtifactSegment"/>).
    /// </summary>
    public const int DigestSegmentChunks = 65_536;

    private readonly SqlRunner _sql = new(database) { CommandTimeoutSeconds = (int)commandTimeout.TotalSeconds };
    private readonly BackupSql _statements = BackupSql.For(database.Provider);

    /// <summary>The running row, committed before the snapshot starts, so the backup is listed while it runs.</summary>
    public Task RegisterAsync(BackupRequest request, CancellationToken cancellationToken) => _sql.ExecuteAsync(_statements.InsertRunning,
        cancellationToken, ("backup_id", request.BackupId), ("label", request.Label), ("actor", request.Actor),
        ("correlation_id", request.CorrelationId), ("created_at", request.CreatedAt));

    public Task FailAsync(string backupId, string error, CancellationToken cancellationToken) => _sql.ExecuteAsync(_statements.Fail,
        cancellationToken, ("backup_id", backupId), ("finished_at", time.GetUtcNow()), ("error", error));

    /// <summary>Writes every artifact and the manifest; <paramref name="progress"/> hears (done, total) after each artifact.</summary>
    public async Task<IReadOnlyList<BackupArtifact>> WriteAsync(BackupRequest request, Action<int, int>? progress,
        CancellationToken cancellationToken, BackupProfile? profile = null)
    {
        await RegisterAsync(request, cancellationToken);
        var tables = BackupTables.All(_statements.StorageTable);
        var (files, notes) = config.Collect();
        var total = tables.Count + files.Count;

        await using var snapshotConnection = database.CreateConnection();
        await snapshotConnection.OpenAsync(cancellationToken);
        await using var snapshot = await snapshotConnection.BeginTransactionAsync(_statements.SnapshotIsolation, cancellationToken);
        if (_statements.SessionSetup is { } setup)
        {
            await ExecuteAsync(snapshotConnection, snapshot, setup, cancellationToken);
        }

        // The first read fixes the snapshot; everything below sees that instant.
        var schemaVersion = (string?)await ScalarAsync(snapshotConnection, snapshot, _statements.SchemaVersion, cancellationToken);
        var (source, serverVersion) = await SourceAsync(snapshotConnection, snapshot, cancellationToken);

        await using var storeConnection = database.CreateConnection();
        await storeConnection.OpenAsync(cancellationToken);
        await using var store = await storeConnection.BeginTransactionAsync(cancellationToken);
        var target = new Target(storeConnection, store, request.BackupId, new Dictionary<string, IReadOnlyList<ArtifactSegment>>());
        // A job resumed after a silo restart starts again from nothing.
        await ExecuteAsync(storeConnection, store, _statements.DeleteChunks, cancellationToken, ("backup_id", request.BackupId));
        await ExecuteAsync(storeConnection, store, _statements.DeleteArtifacts, cancellationToken, ("backup_id", request.BackupId));

        var artifacts = new List<BackupArtifact>();
        foreach (var table in tables)
        {
            artifacts.Add(await WriteTableAsync(snapshotConnection, snapshot, target, table, profile, cancellationToken));
            progress?.Invoke(artifacts.Count, total);
        }

        foreach (var file in files)
        {
            // A configuration file's rows are what the collector counted.
            artifacts.Add(await StoreAsync(target, file.Name, profile, (sink, token) => sink.WriteAsync(file.Content, token).AsTask(),
                cancellationToken, file.Rows));
            progress?.Invoke(artifacts.Count, total);
        }

        var manifest = Manifest(request, schemaVersion, source, serverVersion, notes, artifacts, target.Segments);
        await ExecuteAsync(storeConnection, store, _statements.Succeed, cancellationToken, ("backup_id", request.BackupId),
            ("finished_at", time.GetUtcNow()), ("schema_version", schemaVersion), ("manifest", manifest),
            ("manifest_sha256", Convert.ToHexStringLower(SHA256.HashData(manifest))));
        await store.CommitAsync(cancellationToken);
        // The snapshot only read; ending it releases it.
        await snapshot.CommitAsync(cancellationToken);
        return artifacts;
    }

    /// <summary>
    /// Where a backup's artifacts are written: the storing connection, its transaction, the backup; and the digest segments
    /// of the artifacts larger than one.
    /// </summary>
    private sealed record Target(DbConnection Connection, DbTransaction Transaction, string BackupId,
        Dictionary<string, IReadOnlyList<ArtifactSegment>> Segments);

    private Task<BackupArtifact> WriteTableAsync(DbConnection connection, DbTransaction transaction, Target target,
        BackupTable table, BackupProfile? profile, CancellationToken cancellationToken) =>
        StoreAsync(target, table.Artifact, profile, async (hashing, token) =>
        {
            if (connection is NpgsqlConnection npgsql && _statements.CopyOut(table) is { } copy)
            {
                await CopyOutAsync(npgsql, copy, hashing, profile, token);
                return;
            }

            var started = profile.Start();
            await using var command = _sql.Command(connection, transaction, table.Select(), [("service_id", cluster.Value.ServiceId)]);
            await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, token);
            await CanonicalRows.WriteAllAsync(reader, table.Columns, hashing, token);
            profile.Stop(BackupProfile.Serialisation, started);
        }, cancellationToken);

    /// <summary>One artifact: <paramref name="write"/> writes its bytes, which are hashed, counted and stored as they come.</summary>
    private async Task<BackupArtifact> StoreAsync(Target target, string name, BackupProfile? profile,
        Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken, long? rows = null)
    {
        BackupArtifact artifact;
        // The sink is disposed before the artifact's row is written: its COPY holds the connection until then.
        await using (var sink = await ChunkSink.OpenAsync(target.Connection, target.Transaction, _sql, _statements, target.BackupId,
            name, cancellationToken))
        {
            // Segments follow the chunks (see ChunkSink): a segment is a whole number of them. Without chunks, no segments.
            var chunk = _statements.ChunkBytes ?? 0;
            using var hashing = new HashingStream(sink, profile, segmentBytes: (long)chunk * digestSegmentChunks);
            await write(hashing, cancellationToken);
            var storing = profile.Start();
            await sink.CompleteAsync(cancellationToken);
            profile.Stop(BackupProfile.Storage, storing);
            artifact = new BackupArtifact(name, rows ?? hashing.Lines, hashing.Bytes, hashing.Finish());
            if (hashing.Segments is { } segments)
            {
                target.Segments[name] = ArtifactSegment.Of(segments, chunk);
            }
        }

        await ExecuteAsync(target.Connection, target.Transaction, _statements.InsertArtifact, cancellationToken,
            ("backup_id", target.BackupId), ("name", artifact.Name), ("row_count", artifact.Rows), ("bytes", artifact.Bytes),
            ("sha256", artifact.Sha256));
        return artifact;
    }

    /// <summary>
    /// PostgreSQL prints the canonical rows (in the snapshot transaction: COPY runs in the connection's open transaction). The
    /// text-format COPY is read from the reader's <see cref="StreamReader.BaseStream"/>: the raw bytes, never decoded. Piped
    /// (<see cref="PipedCopy"/>): the server prints while <paramref name="output"/> stores what it printed before.
    /// </summary>
    public static async Task CopyOutAsync(NpgsqlConnection connection, string copy, Stream output, BackupProfile? profile,
        CancellationToken cancellationToken)
    {
        var started = profile.Start();
        using var export = await connection.BeginTextExportAsync(copy, cancellationToken);
        await PipedCopy.CopyAsync(export.BaseStream, output, cancellationToken);
        profile.Stop(BackupProfile.SnapshotRead, started);
    }

    private static byte[] Manifest(BackupRequest request, string? schemaVersion, string source, string serverVersion,
        IReadOnlyList<string> notes, IReadOnlyList<BackupArtifact> artifacts,
        IReadOnlyDictionary<string, IReadOnlyList<ArtifactSegment>> segments) =>
        JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
    {
        ["format"] = Format,
        ["backup_id"] = request.BackupId,
        ["label"] = request.Label,
        ["created_at"] = request.CreatedAt.UtcDateTime.ToString(CanonicalRows.TimeFormat, CultureInfo.InvariantCulture),
        ["schema_version"] = schemaVersion,
        ["source"] = new Dictionary<string, string> { ["database"] = source, ["server_version"] = serverVersion },
        ["sonia_version"] = typeof(BackupWriter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion,
        ["notes"] = notes,
        ["artifacts"] = artifacts.Select(a =>
        {
            var entry = new Dictionary<string, object> { ["name"] = a.Name, ["rows"] = a.Rows, ["bytes"] = a.Bytes, ["sha256"] = a.Sha256 };
            if (segments.TryGetValue(a.Name, out var parts))
            {
                entry["segments"] = parts.Select(p => new Dictionary<string, object>
                {
                    ["seq_from"] = p.SeqFrom, ["seq_to"] = p.SeqTo, ["bytes"] = p.Bytes, ["sha256"] = p.Sha256,
                });
            }

            return entry;
        }),
    }, new JsonSerializerOptions { WriteIndented = true });

    private async Task<(string Source, string Version)> SourceAsync(DbConnection connection, DbTransaction transaction,
        CancellationToken cancellationToken)
    {
        await using var command = _sql.Command(connection, transaction, _statements.SourceIdentity, []);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetString(0), reader.GetString(1));
    }

    private async Task<object?> ScalarAsync(DbConnection connection, DbTransaction transaction, string sql,
        CancellationToken cancellationToken)
    {
        await using var command = _sql.Command(connection, transaction, sql, []);
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is DBNull ? null : value;
    }

    private async Task ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql, CancellationToken cancellationToken,
        params (string Name, object? Value)[] parameters)
    {
        await using var command = _sql.Command(connection, transaction, sql, parameters);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
