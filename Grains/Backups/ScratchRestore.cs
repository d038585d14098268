using System.Data.Common;
using Npgsql;
using NpgsqlTypes;
using Sonia.Grains.Interfaces.Backups;
using Sonia.Grains.Storage;

namespace Sonia.Grains.Backups;

/// <summary>
/// The verification's test restore: the DLQ and actions artifacts are loaded into a scratch schema
/// (<c>sonia_verify_&lt;backup id&gt;</c>), read back exactly as a backup reads them, and compared with the manifest by row
/// count and SHA-256 (loaded by binary COPY on PostgreSQL, multi-row INSERTs on SQL Server). It all runs in one transaction that drops the schema at its end (and a failure rolls it back),
/// so no scratch schema outlives the verification.
/// </summary>
public sealed class ScratchRestore(BackupStore store)
{
    private readonly SqlRunner _sql = store.Sql;

    public static IReadOnlyList<BackupTable> Tables { get; } = [BackupTables.ActionTable, BackupTables.DeadLetterTable];

    public static string SchemaFor(string backupId) => BackupIds.IsValid(backupId)
        ? "sonia_verify_" + backupId.ToLowerInvariant()
        : throw new ArgumentException($"'{backupId}' is not a backup id", nameof(backupId));

    public async Task<TestRestoreResult> RunAsync(string backupId, IReadOnlyList<BackupArtifact> manifest, CancellationToken cancellationToken)
    {
        var schema = SchemaFor(backupId);
        var sql = store.Statements;
        var checks = new List<TableCheck>();
        await using var connection = store.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            await ExecuteAsync(connection, transaction, sql.CreateScratchSchema(schema), [], cancellationToken);
            foreach (var table in Tables)
            {
                await ExecuteAsync(connection, transaction, sql.CreateScratchTable(schema, table), [], cancellationToken);
                var listed = manifest.FirstOrDefault(a => a.Name == table.Artifact);
                var loaded = await LoadAsync(connection, transaction, backupId, $"{schema}.{table.Unqualified}", table, cancellationToken);
                var (rows, sha) = await ReadBackAsync(connection, transaction, schema, table, cancellationToken);
                checks.Add(new TableCheck(table.Unqualified, listed?.Rows ?? 0, rows, listed?.Sha256, sha,
                    listed is not null && rows == listed.Rows && loaded == listed.Rows && sha == listed.Sha256));
            }

            await ExecuteAsync(connection, transaction, sql.DropScratchSchema(schema, Tables), [], cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return new TestRestoreResult(schema, checks.TrueForAll(c => c.Passed), checks, null);
        }
        catch (Exception ex) when (ex is DbException or FormatException or System.Text.Json.JsonException or InvalidOperationException or KeyNotFoundException)
        {
            await transaction.RollbackAsync(CancellationToken.None);
            return new TestRestoreResult(schema, false, checks, $"{ex.GetType().Name}: {ex.Message}");
        }
    }

    private async Task<long> LoadAsync(DbConnection connection, DbTransaction transaction, string backupId, string target, BackupTable table,
        CancellationToken cancellationToken)
    {
        if (connection is NpgsqlConnection npgsql)
        {
            return await CopyAsync(npgsql, backupId, target, table, cancellationToken);
        }

        var perStatement = Math.Max(1, Math.Min(1000, store.Statements.MaxParameters / table.Columns.Count));
        var batch = new List<string>(perStatement);
        long loaded = 0;
        await foreach (var line in store.LinesAsync(backupId, table.Artifact, cancellationToken))
        {
            batch.Add(line);
            if (batch.Count == perStatement)
            {
                loaded += await InsertAsync(connection, transaction, target, table, batch, cancellationToken);
                batch.Clear();
            }
        }

        return batch.Count > 0 ? loaded + await InsertAsync(connection, transaction, target, table, batch, cancellationToken) : loaded;
    }

    /// <summary>PostgreSQL: binary COPY into the scratch table (in the open transaction), many times faster than INSERTs.</summary>
    private async Task<long> CopyAsync(NpgsqlConnection connection, string backupId, string target, BackupTable table, CancellationToken cancellationToken)
    {
        await using var import = await connection.BeginBinaryImportAsync($"COPY {target} ({table.ColumnList}) FROM STDIN (FORMAT BINARY)", cancellationToken);
        await foreach (var line in store.LinesAsync(backupId, table.Artifact, cancellationToken))
        {
            await import.StartRowAsync(cancellationToken);
            var values = CanonicalRows.Parameters(line, table.Columns).ToList();
            for (var i = 0; i < table.Columns.Count; i++)
            {
                if (values[i].Value is null or SqlValues.NullTime)
                {
                    await import.WriteNullAsync(cancellationToken);
                    continue;
                }

                await import.WriteAsync(values[i].Value, CopyType(table.Columns[i].Kind), cancellationToken);
            }
        }

        return (long)await import.CompleteAsync(cancellationToken);
    }

    private static NpgsqlDbType CopyType(ColumnKind kind) => kind switch
    {
        ColumnKind.Int => NpgsqlDbType.Integer,
        ColumnKind.Long => NpgsqlDbType.Bigint,
        ColumnKind.Bool => NpgsqlDbType.Boolean,
        ColumnKind.Time => NpgsqlDbType.TimestampTz,
        ColumnKind.Bytes => NpgsqlDbType.Bytea,
        _ => NpgsqlDbType.Text,
    };

    private async Task<int> InsertAsync(DbConnection connection, DbTransaction transaction, string target, BackupTable table, List<string> lines,
        CancellationToken cancellationToken)
    {
        var parameters = lines.SelectMany((line, r) => CanonicalRows.Parameters(line, table.Columns, $"r{r}_")).ToList();
        await using var command = _sql.Command(connection, transaction, BackupSql.InsertMany(target, table, lines.Count), parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<(long Rows, string Sha)> ReadBackAsync(DbConnection connection, DbTransaction transaction, string schema, BackupTable table,
        CancellationToken cancellationToken)
    {
        await using var hashing = new HashingStream(null);
        await using var command = _sql.Command(connection, transaction, table.Select(schema), []);
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
        var rows = await CanonicalRows.WriteAllAsync(reader, table.Columns, hashing, cancellationToken);
        return (rows, hashing.Finish());
    }

    private async Task ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql, (string, object?)[] parameters,
        CancellationToken cancellationToken)
    {
        await using var command = _sql.Command(connection, transaction, sql, parameters);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
