using System.Data;
using System.Data.Common;
using Sonia.Grains.Storage;

namespace Sonia.Grains.Backups;

/// <summary>
/// One stored artifact's content as a read-only stream: its chunks in order (or, for a backup written before migration
/// 0010, the content of its row), each streamed from the reader, so the artifact is never whole in memory. Owns its
/// connection, command and reader.
/// </summary>
public sealed class ArtifactContent : Stream
{
    private readonly DbConnection _connection;
    private readonly DbCommand _command;
    private readonly DbDataReader _reader;
    private Stream? _column;
    private bool _disposed;

    private ArtifactContent(DbConnection connection, DbCommand command, DbDataReader reader)
    {
        _connection = connection;
        _command = command;
        _reader = reader;
    }

    /// <summary>The artifact's content; null when the backup has no artifact of that name.</summary>
    public static async Task<ArtifactContent?> OpenAsync(BackupStore store, string backupId, string name,
        CancellationToken cancellationToken)
    {
        var connection = store.Database.CreateConnection();
        DbCommand? command = null;
        try
        {
            await connection.OpenAsync(cancellationToken);
            (string, object?)[] key = [("backup_id", backupId), ("name", name)];
            int? inRow;
            await using (var storage = store.Sql.Command(connection, null, store.Statements.SelectStorage, key))
            {
                inRow = await storage.ExecuteScalarAsync(cancellationToken) is { } found and not DBNull ? Convert.ToInt32(found) : null;
            }

            if (inRow is null)
            {
                await connection.DisposeAsync();
                return null;
            }

            command = store.Sql.Command(connection, null, inRow == 1 ? store.Statements.SelectContent : store.Statements.SelectChunks, key);
            var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken);
            return new ArtifactContent(connection, command, reader);
        }
        catch
        {
            if (command is not null)
            {
                await command.DisposeAsync();
            }

            await connection.DisposeAsync();
            throw;
        }
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!buffer.IsEmpty)
        {
            if (_column is null)
            {
                if (!await _reader.ReadAsync(cancellationToken))
                {
                    return 0;
                }

                _column = _reader.GetStream(0);
            }

            var read = await _column.ReadAsync(buffer, cancellationToken);
            if (read > 0)
            {
                return read;
            }

            await _column.DisposeAsync();
            _column = null;
        }

        return 0;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(Span<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            if (_column is null)
            {
                if (!_reader.Read())
                {
                    return 0;
                }

                _column = _reader.GetStream(0);
            }

            var read = _column.Read(buffer);
            if (read > 0)
            {
                return read;
            }

            _column.Dispose();
            _column = null;
        }

        return 0;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_column is not null)
        {
            await _column.DisposeAsync();
        }

        await _reader.DisposeAsync();
        await _command.DisposeAsync();
        await _connection.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _column?.Dispose();
            _reader.Dispose();
            _command.Dispose();
            _connection.Dispose();
        }

        base.Dispose(disposing);
    }
}
