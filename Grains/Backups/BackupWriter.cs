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
/// (<see cref="CanonicalRows"/>) go through a SHA-256 into a temporary file (memory stays at one 64 KiB buffer whatever the
/// table's size) and are inserted from that file as one row; the manifest is written last, in the same transaction: a
/// backup is whole or absent. On PostgreSQL the database prints the rows itself (<c>COPY (SELECT …) TO STDOUT</c>, the
/// bytes passed through untouched); the grain-state artifacts (a parameterised read) and SQL Server are written here.
/// </summary>
public sealed class BackupWriter(
    DatabaseOptions database, IOptions<ClusterOptions> cluster, ConfigArtifacts config, TimeProvider time, TimeSpan commandTimeout)
{
    public const string ManifestName = "manifest.json";
    public const string Format = BackupSql.Format;

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

        await using var connection = database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(_statements.SnapshotIsolation, cancellationToken);
        if (_statements.SessionSetup is { } setup)
        {
            await ExecuteAsync(connection, transaction, setup, cancellationToken);
        }

        // The first read fixes the snapshot; everything below sees that instant.
        var schemaVersion = (string?)await ScalarAsync(connection, transaction, _statements.SchemaVersion, cancellationToken);
        var (source, serverVersion) = await SourceAsync(connection, transaction, cancellationToken);
        await ExecuteAsync(connection, transaction, _statements.DeleteArtifacts, cancellationToken, ("backup_id", request.BackupId));

        var artifacts = new List<BackupArtifact>();
        foreach (var table in tables)
        {
            artifacts.Add(await WriteTableAsync(connection, transaction, request.BackupId, table, profile, cancellationToken));
            progress?.Invoke(artifacts.Count, total);
        }

        foreach (var file in files)
        {
            await using var content = new MemoryStream(file.Content, writable: false);
            var artifact = new BackupArtifact(file.Name, file.Rows, file.Content.Length,
                Convert.ToHexStringLower(SHA256.HashData(file.Content)));
            await InsertAsync(connection, transaction, request.BackupId, artifact, content, cancellationToken);
            artifacts.Add(artifact);
            progress?.Invoke(artifacts.Count, total);
        }

        var manifest = Manifest(request, schemaVersion, source, serverVersion, notes, artifacts);
        await ExecuteAsync(connection, transaction, _statements.Succeed, cancellationToken, ("backup_id", request.BackupId),
            ("finished_at", time.GetUtcNow()), ("schema_version", schemaVersion), ("manifest", manifest),
            ("manifest_sha256", Convert.ToHexStringLower(SHA256.HashData(manifest))));
        await transaction.CommitAsync(cancellationToken);
        return artifacts;
    }

    private async Task<BackupArtifact> WriteTableAsync(DbConnection connection, DbTransaction transaction, string backupId,
        BackupTable table, BackupProfile? profile, CancellationToken cancellationToken)
    {
        var path = Path.Combine(Path.GetTempPath(), $"sonia-{backupId}-{Guid.NewGuid():N}.tsv");
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 64 * 1024,
            FileOptions.DeleteOnClose);
        await using var hashing = new HashingStream(file, profile);
        if (connection is NpgsqlConnection npgsql && _statements.CopyOut(table) is { } copy)
        {
            await CopyOutAsync(npgsql, copy, hashing, profile, cancellationToken);
        }
        else
        {
            var started = profile.Start();
            await using var command = _sql.Command(connection, transaction, table.Select(), [("service_id", cluster.Value.ServiceId)]);
            await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken);
            await CanonicalRows.WriteAllAsync(reader, table.Columns, hashing, cancellationToken);
            profile.Stop(BackupProfile.Serialisation, started);
        }

        var storing = profile.Start();
        await file.FlushAsync(cancellationToken);
        file.Position = 0;
        var artifact = new BackupArtifact(table.Artifact, hashing.Lines, hashing.Bytes, hashing.Finish());
        await InsertAsync(connection, transaction, backupId, artifact, file, cancellationToken);
        profile.Stop(BackupProfile.Storage, storing);
        return artifact;
    }

    /// <summary>
    /// PostgreSQL prints the canonical rows (in the snapshot transaction: COPY runs in the connection's open transaction). The
    /// text-format COPY is read from the reader's <see cref="StreamReader.BaseStream"/>: the raw bytes, never decoded.
    /// </summary>
    public static async Task CopyOutAsync(NpgsqlConnection connection, string copy, Stream output, BackupProfile? profile,
        CancellationToken cancellationToken)
    {
        using var export = await connection.BeginTextExportAsync(copy, cancellationToken);
        var source = export.BaseStream;
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var started = profile.Start();
            var read = await source.ReadAsync(buffer, cancellationToken);
            profile.Stop(BackupProfile.SnapshotRead, started);
            if (read == 0)
            {
                break;
            }

            await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
    }

    private async Task InsertAsync(DbConnection connection, DbTransaction transaction, string backupId, BackupArtifact artifact,
        Stream content, CancellationToken cancellationToken)
    {
        await using var command = _sql.Command(connection, transaction, _statements.InsertArtifact,
        [
            ("backup_id", backupId), ("name", artifact.Name), ("row_count", artifact.Rows), ("bytes", artifact.Bytes),
            ("sha256", artifact.Sha256),
        ]);
        command.Parameters.Add(BinaryParameter(command, "content", content));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>A varbinary(max) / bytea parameter read from a stream, so the content is never one array in memory.</summary>
    private static DbParameter BinaryParameter(DbCommand command, string name, Stream content)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.DbType = DbType.Binary;
        parameter.Size = -1;
        parameter.Value = content;
        return parameter;
    }

    private static byte[] Manifest(BackupRequest request, string? schemaVersion, string source, string serverVersion,
        IReadOnlyList<string> notes, IReadOnlyList<BackupArtifact> artifacts) =>
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
        ["artifacts"] = artifacts.Select(a => new Dictionary<string, object>
        {
            ["name"] = a.Name, ["rows"] = a.Rows, ["bytes"] = a.Bytes, ["sha256"] = a.Sha256,
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
