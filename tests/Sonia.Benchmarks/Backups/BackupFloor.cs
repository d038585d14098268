using System.Data;
using System.Globalization;
using Npgsql;
using Sonia.Grains.Backups;
using Sonia.Grains.Interfaces.Backups;
using Sonia.Hosting.Database;

namespace Sonia.Benchmarks.Backups;

/// <summary>One pass of the database over one table's rows, and the CPU its PostgreSQL backend spent on it.</summary>
public sealed record FloorPass(string Pass, string Artifact, double BackendSeconds);

/// <summary>
/// What the database alone must do for a backup and its verification: <see cref="Total"/> backend core-seconds, against the
/// baseline run just before and just after. <see cref="Ratio"/> is the least (backup + verify) ÷ baseline that
/// <see cref="Cores"/> cores kept fully busy could reach, before the application has done anything.
/// </summary>
public sealed record FloorResult(IReadOnlyList<FloorPass> Passes, TimeSpan BaselineBefore, TimeSpan BaselineAfter, int Cores)
{
    public double Total => Passes.Sum(p => p.BackendSeconds);

    public double Ratio => Total / Cores / ((BaselineBefore + BaselineAfter) / 2).TotalSeconds;
}

/// <summary>
/// <c>backup --floor</c>: after the timed run, each pass of PostgreSQL that the backup and the verification require, run
/// alone on the same data and a stored backup of it, one table at a time: the snapshot's <c>COPY</c> out, storing its
/// chunks, the in-database digest, reading the chunks out, the test restore's load and its read-back. Each is the
/// statement Sonia runs (<see cref="BackupSql"/>), on a connection of its own whose backend's CPU is read from
/// <c>/proc/&lt;pid&gt;/stat</c> before and after; what the client spends is not counted. It needs the server on this
/// machine (the benchmark's own is); it measures nothing, and says why, otherwise.
/// </summary>
public static class BackupFloor
{
    public const string Snapshot = "snapshot COPY out";
    public const string Storage = "storing the chunks (binary COPY)";
    public const string DatabaseDigest = "in-database digest (sha256 of the chunks made one value)";
    public const string ChunkRead = "reading the chunks out";
    public const string Load = "test restore: COPY FROM into the scratch table";
    public const string ReadBack = "test restore: read-back (COPY TO of the scratch table)";

    public static async Task<FloorResult?> MeasureAsync(DatabaseOptions database, string backupId, Func<Task<TimeSpan>> baseline,
        Action<string> log)
    {
        var statements = new BackupStore(database, TimeSpan.FromHours(1)).Statements;
        var passes = new List<FloorPass>();
        var before = await baseline();
        foreach (var table in new[] { BackupTables.DeadLetterTable, BackupTables.ActionTable })
        {
            var artifact = Path.GetTempFileName();
            var chunks = Path.GetTempFileName();
            try
            {
                await using var connection = new NpgsqlConnection(database.ConnectionString);
                await connection.OpenAsync();
                var backend = new Backend(connection, await ScalarAsync<int>(connection, "SELECT pg_backend_pid()"));
                if (!backend.Visible)
                {
                    log($"floor: the server's backend {backend.Pid} is not a process of this machine; nothing measured");
                    return null;
                }

                // As the backup's session prints: times in UTC and ISO style.
                await ExecuteAsync(connection, "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'");
                var name = table.Artifact;
                var key = $"backup_id = '{(BackupIds.IsValid(backupId) ? backupId : throw new ArgumentException(backupId))}' " +
                    $"AND name = '{name}'";

                passes.Add(new FloorPass(Snapshot, name, await backend.MeasureAsync(() =>
                    ExportAsync(connection, statements.CopyOut(table)!, artifact))));
                // Not measured: the stored chunks as a binary COPY, the input of the storage pass.
                await RawExportAsync(connection,
                    $"COPY (SELECT backup_id, name, seq, content FROM sonia.backup_chunks WHERE {key} ORDER BY seq) " +
                    "TO STDOUT (FORMAT BINARY)", chunks);
                passes.Add(new FloorPass(ChunkRead, name, await backend.MeasureAsync(() => ReadChunksAsync(connection,
                    statements.SelectChunks, backupId, name))));
                passes.Add(new FloorPass(DatabaseDigest, name, await backend.MeasureAsync(() => ScalarAsync<string>(connection,
                    statements.SelectDatabaseDigest, ("backup_id", backupId), ("name", name)))));

                // Storage and the test restore each in a transaction rolled back at its end: nothing of them stays.
                var schema = "sonia_floor_" + Guid.NewGuid().ToString("N")[..12];
                await using (var transaction = await connection.BeginTransactionAsync())
                {
                    await ExecuteAsync(connection, $"CREATE SCHEMA {schema}");
                    await ExecuteAsync(connection, $"CREATE TABLE {schema}.backup_chunks (LIKE sonia.backup_chunks INCLUDING ALL)");
                    passes.Add(new FloorPass(Storage, name, await backend.MeasureAsync(() => RawImportAsync(connection,
                        $"COPY {schema}.backup_chunks (backup_id, name, seq, content) FROM STDIN (FORMAT BINARY)", chunks))));
                    await transaction.RollbackAsync();
                }

                await using (var transaction = await connection.BeginTransactionAsync())
                {
                    foreach (var setup in new[] { statements.SessionSetup, statements.ScratchSetup }.OfType<string>())
                    {
                        await ExecuteAsync(connection, setup);
                    }

                    await ExecuteAsync(connection, statements.CreateScratchSchema(schema));
                    await ExecuteAsync(connection, statements.CreateScratchTable(schema, table));
                    passes.Add(new FloorPass(Load, name, await backend.MeasureAsync(() => ImportAsync(connection,
                        statements.CopyIn($"{schema}.{table.Unqualified}", table)!, artifact))));
                    passes.Add(new FloorPass(ReadBack, name, await backend.MeasureAsync(() => ExportAsync(connection,
                        statements.CopyOut(table, schema, ordered: false)!, null))));
                    await transaction.RollbackAsync();
                }
            }
            finally
            {
                File.Delete(artifact);
                File.Delete(chunks);
            }
        }

        return new FloorResult(passes, before, await baseline(), Environment.ProcessorCount);
    }

    /// <summary>A server process of this machine, whose CPU is read from /proc.</summary>
    private sealed record Backend(NpgsqlConnection Connection, int Pid)
    {
        public bool Visible => Ticks() is not null;

        public async Task<double> MeasureAsync(Func<Task> pass)
        {
            var before = Ticks()!.Value;
            await pass();
            return (Ticks()!.Value - before) / CpuWindow.TicksPerSecond;
        }

        /// <summary>utime + stime, the 14th and 15th fields of /proc/&lt;pid&gt;/stat (counted after the command's closing ')').</summary>
        private long? Ticks()
        {
            var path = $"/proc/{Pid}/stat";
            if (!File.Exists(path))
            {
                return null;
            }

            var stat = File.ReadAllText(path);
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
    }

    /// <summary>The COPY out as the backup reads it (<see cref="BackupWriter.CopyOutAsync"/>), kept in <paramref name="file"/>.</summary>
    private static async Task ExportAsync(NpgsqlConnection connection, string copy, string? file) // null: discarded
    {
        await using var output = file is null ? Stream.Null : File.Create(file);
        await BackupWriter.CopyOutAsync(connection, copy, output, null, CancellationToken.None);
    }

    private static async Task ImportAsync(NpgsqlConnection connection, string copy, string file)
    {
        await using var import = await connection.BeginTextImportAsync(copy);
        await using (var input = File.OpenRead(file))
        {
            await input.CopyToAsync(((StreamWriter)import).BaseStream);
        }
    }

    private static async Task RawExportAsync(NpgsqlConnection connection, string copy, string file)
    {
        await using var export = await connection.BeginRawBinaryCopyAsync(copy);
        await using var output = File.Create(file);
        await export.CopyToAsync(output);
    }

    private static async Task RawImportAsync(NpgsqlConnection connection, string copy, string file)
    {
        await using var import = await connection.BeginRawBinaryCopyAsync(copy);
        await using var input = File.OpenRead(file);
        await input.CopyToAsync(import);
    }

    private static async Task ReadChunksAsync(NpgsqlConnection connection, string sql, string backupId, string name)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("backup_id", backupId);
        command.Parameters.AddWithValue("name", name);
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess);
        while (await reader.ReadAsync())
        {
            await using var content = reader.GetStream(0);
            await content.CopyToAsync(Stream.Null);
        }
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (parameterName, value) in parameters)
        {
            command.Parameters.AddWithValue(parameterName, value);
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
