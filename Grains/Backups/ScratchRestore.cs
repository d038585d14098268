using System.Data.Common;
using Npgsql;
using Sonia.Grains.Interfaces.Backups;
using Sonia.Grains.Storage;

namespace Sonia.Grains.Backups;

/// <summary>
/// The verification's test restore: the DLQ and actions artifacts are each loaded into a scratch schema of their own
/// (<c>sonia_verify_&lt;backup id&gt;_&lt;table&gt;</c>, so the two run at once on two connections), read back exactly as a
/// backup reads them, and compared with the manifest by row count and SHA-256. On PostgreSQL the artifact's bytes go
/// straight into a text <c>COPY … FROM STDIN</c> (unlogged tables) and come back by <c>COPY … TO STDOUT</c>; on SQL Server
/// they are parsed and inserted by multi-row INSERTs. Each runs in one transaction that drops its schema at its end (and a
/// failure rolls it back), so no scratch schema outlives the verification.
/// </summary>
public sealed class ScratchRestore(BackupStore store)
{
    public static string SchemaFor(string backupId) => BackupIds.IsValid(backupId)
        ? "sonia_verify_" + backupId.ToLowerInvariant()
        : throw new ArgumentException($"'{backupId}' is not a backup id", nameof(backupId));

    /// <summary>Opens the transaction and creates the scratch schema and table; load, then <see cref="Session.FinishAsync"/>.</summary>
    public async Task<Session> OpenAsync(string backupId, BackupTable table, BackupProfile? profile, CancellationToken cancellationToken)
    {
        var connection = store.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var session = new Session(store, connection, transaction, $"{SchemaFor(backupId)}_{table.Unqualified}", table, profile);
        try
        {
            await session.CreateAsync(cancellationToken);
            return session;
        }
        catch
        {
            // Disposing the transaction rolls it back: nothing of the scratch schema stays.
            await session.DisposeAsync();
            throw;
        }
    }

    /// <summary>One table's test restore in its transaction; a load that fails records why and ends it, the rest still reads.</summary>
    public sealed class Session(BackupStore store, DbConnection connection, DbTransaction transaction, string schema, BackupTable table,
        BackupProfile? profile) : IAsyncDisposable
    {
        private readonly SqlRunner _sql = store.Sql;
        private readonly BackupSql _statements = store.Statements;
        private readonly BackupTable[] _tables = [table];

        public BackupTable Table => table;

        public string? Error { get; private set; }

        internal async Task CreateAsync(CancellationToken cancellationToken)
        {
            foreach (var setup in new[] { _statements.SessionSetup, _statements.ScratchSetup }.OfType<string>())
            {
                await ExecuteAsync(setup, cancellationToken);
            }

            await ExecuteAsync(_statements.CreateScratchSchema(schema), cancellationToken);
            await ExecuteAsync(_statements.CreateScratchTable(schema, table), cancellationToken);
        }

        /// <summary>Loads the table's artifact from <paramref name="content"/>, read to its end whatever happens.</summary>
        public async Task LoadAsync(Stream content, CancellationToken cancellationToken)
        {
            var started = profile.Start();
            try
            {
                if (Error is null)
                {
                    await LoadCoreAsync(content, cancellationToken);
                }
            }
            catch (Exception ex) when (ex is DbException or FormatException or InvalidOperationException or IOException)
            {
                Error = $"{table.Artifact}: {ex.GetType().Name}: {ex.Message}";
            }
            finally
            {
                // The application's digest needs every byte, loaded or not.
                await content.CopyToAsync(Stream.Null, cancellationToken);
                profile.Stop(BackupProfile.RestoreLoad, started);
            }
        }

        /// <summary>Reads the table back, compares it with the manifest, drops the schema and ends the transaction.</summary>
        public async Task<TestRestoreResult> FinishAsync(IReadOnlyList<BackupArtifact> manifest, CancellationToken cancellationToken)
        {
            var checks = new List<TableCheck>();
            try
            {
                if (Error is null)
                {
                    var listed = manifest.FirstOrDefault(a => a.Name == table.Artifact);
                    var (rows, sha) = await ReadBackAsync(ordered: false, cancellationToken);
                    if (sha != listed?.Sha256)
                    {
                        // Physical order is what a fresh scratch table gives; key order is what the backup promises.
                        (rows, sha) = await ReadBackAsync(ordered: true, cancellationToken);
                    }

                    checks.Add(new TableCheck(table.Unqualified, listed?.Rows ?? 0, rows, listed?.Sha256, sha,
                        listed is not null && rows == listed.Rows && sha == listed.Sha256));
                    await ExecuteAsync(_statements.DropScratchSchema(schema, _tables), cancellationToken);
                    await transaction.CommitAsync(cancellationToken);
                    return new TestRestoreResult(schema, checks.TrueForAll(c => c.Passed), checks, null);
                }
            }
            catch (DbException ex)
            {
                Error = $"{ex.GetType().Name}: {ex.Message}";
            }

            try
            {
                await transaction.RollbackAsync(CancellationToken.None);
            }
            catch (Exception ex) when (ex is DbException or InvalidOperationException)
            {
                // A load that broke the connection took the transaction with it: nothing is left to roll back.
            }

            return new TestRestoreResult(schema, false, checks, Error);
        }

        public async ValueTask DisposeAsync()
        {
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }

        private async Task LoadCoreAsync(Stream content, CancellationToken cancellationToken)
        {
            var target = $"{schema}.{table.Unqualified}";
            if (connection is NpgsqlConnection npgsql && _statements.CopyIn(target, table) is { } copy)
            {
                // The raw bytes, never decoded: the writer's base stream (see BackupWriter.CopyOutAsync); piped, so the artifact's
                // chunks are read while the scratch table loads.
                await using var import = await npgsql.BeginTextImportAsync(copy, cancellationToken);
                await PipedCopy.CopyAsync(content, ((StreamWriter)import).BaseStream, cancellationToken);
                return;
            }

            var perStatement = Math.Max(1, Math.Min(1000, _statements.MaxParameters / table.Columns.Count));
            var batch = new List<string>(perStatement);
            using var lines = new StreamReader(content, System.Text.Encoding.UTF8, false, 64 * 1024, leaveOpen: true);
            while (await lines.ReadLineAsync(cancellationToken) is { } line)
            {
                batch.Add(line);
                if (batch.Count == perStatement)
                {
                    await InsertAsync(target, batch, cancellationToken);
                    batch.Clear();
                }
            }

            if (batch.Count > 0)
            {
                await InsertAsync(target, batch, cancellationToken);
            }
        }

        private async Task InsertAsync(string target, List<string> lines, CancellationToken cancellationToken)
        {
            var parameters = lines.SelectMany((line, r) => CanonicalRows.Parameters(line, table.Columns, $"r{r}_")).ToList();
            await using var command = _sql.Command(connection, transaction, BackupSql.InsertMany(target, table, lines.Count), parameters);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        private async Task<(long Rows, string Sha)> ReadBackAsync(bool ordered, CancellationToken cancellationToken)
        {
            var started = profile.Start();
            await using var hashing = new HashingStream(null);
            if (connection is NpgsqlConnection npgsql && _statements.CopyOut(table, schema, ordered) is { } copy)
            {
                await BackupWriter.CopyOutAsync(npgsql, copy, hashing, null, cancellationToken);
            }
            else
            {
                await using var command = _sql.Command(connection, transaction, table.Select(schema), []);
                await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
                await CanonicalRows.WriteAllAsync(reader, table.Columns, hashing, cancellationToken);
            }

            profile.Stop(BackupProfile.RestoreReadBack, started);
            return (hashing.Lines, hashing.Finish());
        }

        private async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
        {
            await using var command = _sql.Command(connection, transaction, sql, []);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
