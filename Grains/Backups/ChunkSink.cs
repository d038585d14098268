using System.Data;
using System.Data.Common;
using Npgsql;
using NpgsqlTypes;
using Sonia.Grains.Storage;

namespace Sonia.Grains.Backups;

/// <summary>
/// Where an artifact's bytes go while they are produced: rows of <c>sonia.backup_chunks</c> (migration 0010), in the writing
/// transaction. Write-only; <see cref="CompleteAsync"/> ends the artifact (nothing is stored before it is called, or a
/// partial artifact is rolled back with the transaction). An empty artifact has no chunk.
/// </summary>
public abstract class ChunkSink : Stream
{
    /// <summary>
    /// PostgreSQL: a binary <c>COPY … FROM STDIN</c> of chunks of <see cref="BackupSql.ChunkBytes"/> while the bytes come, so
    /// the snapshot's COPY out and the storing run at once on their two connections. Otherwise one chunk, inserted from a
    /// temporary file when the artifact is complete (memory stays at one buffer whatever its size).
    /// </summary>
    public static async Task<ChunkSink> OpenAsync(DbConnection connection, DbTransaction transaction, SqlRunner sql, BackupSql statements,
        string backupId, string name, CancellationToken cancellationToken) =>
        connection is NpgsqlConnection npgsql && statements is { CopyChunksIn: { } copy, ChunkBytes: { } size }
            ? new CopyChunkSink(await npgsql.BeginBinaryImportAsync(copy, cancellationToken), backupId, name, size)
            : new FileChunkSink(connection, transaction, sql, statements, backupId, name);

    /// <summary>Stores what is still buffered; the artifact's chunks are then all written.</summary>
    public abstract Task CompleteAsync(CancellationToken cancellationToken);

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush()
    {
    }

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("write asynchronously");

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private sealed class CopyChunkSink(NpgsqlBinaryImporter import, string backupId, string name, int size) : ChunkSink
    {
        private readonly byte[] _chunk = new byte[size];
        private int _filled;
        private int _seq;

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (!buffer.IsEmpty)
            {
                var take = Math.Min(buffer.Length, _chunk.Length - _filled);
                buffer[..take].CopyTo(_chunk.AsMemory(_filled));
                _filled += take;
                buffer = buffer[take..];
                if (_filled == _chunk.Length)
                {
                    await WriteChunkAsync(cancellationToken);
                }
            }
        }

        public override async Task CompleteAsync(CancellationToken cancellationToken)
        {
            if (_filled > 0)
            {
                await WriteChunkAsync(cancellationToken);
            }

            await import.CompleteAsync(cancellationToken);
        }

        private async Task WriteChunkAsync(CancellationToken cancellationToken)
        {
            await import.StartRowAsync(cancellationToken);
            await import.WriteAsync(backupId, NpgsqlDbType.Varchar, cancellationToken);
            await import.WriteAsync(name, NpgsqlDbType.Varchar, cancellationToken);
            await import.WriteAsync(_seq++, NpgsqlDbType.Integer, cancellationToken);
            await import.WriteAsync(_filled == _chunk.Length ? _chunk : _chunk[.._filled], NpgsqlDbType.Bytea, cancellationToken);
            _filled = 0;
        }

        // Disposing an importer that was not completed cancels the COPY: nothing of the artifact is stored.
        public override async ValueTask DisposeAsync()
        {
            await import.DisposeAsync();
            await base.DisposeAsync();
        }
    }

    private sealed class FileChunkSink(
        DbConnection connection, DbTransaction transaction, SqlRunner sql, BackupSql statements, string backupId, string name) : ChunkSink
    {
        private readonly FileStream _file = new(Path.Combine(Path.GetTempPath(), $"sonia-{backupId}-{Guid.NewGuid():N}.chunk"),
            FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 64 * 1024, FileOptions.DeleteOnClose | FileOptions.Asynchronous);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            _file.WriteAsync(buffer, cancellationToken);

        public override async Task CompleteAsync(CancellationToken cancellationToken)
        {
            await _file.FlushAsync(cancellationToken);
            if (_file.Length == 0)
            {
                return;
            }

            _file.Position = 0;
            await using var command = sql.Command(connection, transaction, statements.InsertChunk,
                [("backup_id", backupId), ("name", name), ("seq", 0)]);
            // A varbinary(max) / bytea parameter read from the file: the content is never one array in memory.
            var content = command.CreateParameter();
            content.ParameterName = "content";
            content.DbType = DbType.Binary;
            content.Size = -1;
            content.Value = _file;
            command.Parameters.Add(content);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        public override async ValueTask DisposeAsync()
        {
            await _file.DisposeAsync();
            await base.DisposeAsync();
        }
    }
}
