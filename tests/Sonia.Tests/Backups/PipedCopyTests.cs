using Sonia.Grains.Backups;

namespace Sonia.Tests.Backups;

/// <summary>The piped copy between two connections: every byte in order, and a failure on either side ends both cleanly.</summary>
public sealed class PipedCopyTests
{
    private static byte[] Data(int length) => Enumerable.Range(0, length).Select(i => (byte)(i * 31 + 7)).ToArray();

    [Fact]
    public async Task Copy_OfManyBuffers_DeliversEveryByteInOrder()
    {
        var data = Data((PipedCopy.BufferBytes * PipedCopy.Buffers * 2) + 123);
        using var destination = new MemoryStream();

        await PipedCopy.CopyAsync(new MemoryStream(data), destination, CancellationToken.None);

        Assert.Equal(data, destination.ToArray());
    }

    [Fact]
    public async Task SmallReads_ReachTheDestinationAsFullBuffers()
    {
        // A COPY out returns one row per read: the copy gathers them, so the destination (and the thread hand-over before
        // it) sees whole buffers, not a write per row.
        var data = Data((PipedCopy.BufferBytes * 5) + 1000);
        var destination = new RecordingStream();

        await PipedCopy.CopyAsync(new CountingStream(new MemoryStream(data), maxRead: 300), destination, CancellationToken.None);

        Assert.Equal(data, destination.Written.ToArray());
        Assert.Equal([.. Enumerable.Repeat(PipedCopy.BufferBytes, 5), 1000], destination.Writes);
    }

    [Fact]
    public async Task Copy_OfAnEmptySource_WritesNothing()
    {
        using var destination = new MemoryStream();

        await PipedCopy.CopyAsync(new MemoryStream(), destination, CancellationToken.None);

        Assert.Equal(0, destination.Length);
    }

    [Fact]
    public async Task FailingDestination_ThrowsItsError_AndLeavesTheSourceWholeToReadOn()
    {
        // More than the reader may run ahead (Buffers), so it is still reading when the destination fails.
        var data = Data(PipedCopy.BufferBytes * (PipedCopy.Buffers + 40));
        var source = new CountingStream(new MemoryStream(data));

        var error = await Assert.ThrowsAsync<IOException>(() =>
            PipedCopy.CopyAsync(source, new FailingStream(PipedCopy.BufferBytes * 3), CancellationToken.None));
        var taken = source.Consumed;
        using var rest = new MemoryStream();
        await source.CopyToAsync(rest);

        Assert.Equal("the destination failed", error.Message);
        // The reader stopped early, and between two whole reads: what it took plus what is left is the whole source.
        Assert.True(taken < data.Length, $"the reader read all {taken} bytes although the destination had failed");
        Assert.Equal(data.Length, taken + rest.Length);
        Assert.Equal(data.AsSpan((int)taken).ToArray(), rest.ToArray());
    }

    [Fact]
    public async Task FailingSource_ThrowsItsError()
    {
        var error = await Assert.ThrowsAsync<IOException>(() =>
            PipedCopy.CopyAsync(new FailingStream(0), new MemoryStream(), CancellationToken.None));

        Assert.Equal("the source failed", error.Message);
    }

    /// <summary>Counts what was read from <paramref name="inner"/>, at most <paramref name="maxRead"/> bytes a read.</summary>
    private sealed class CountingStream(Stream inner, int maxRead = int.MaxValue) : Stream
    {
        public long Consumed { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => inner.Length;

        public override long Position { get => Consumed; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = inner.Read(buffer, offset, count);
            Consumed += read;
            return read;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer[..Math.Min(buffer.Length, maxRead)], cancellationToken);
            Consumed += read;
            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>A destination that keeps what it was given and the size of each write.</summary>
    private sealed class RecordingStream : Stream
    {
        public MemoryStream Written { get; } = new();

        public List<int> Writes { get; } = [];

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => Written.Length;

        public override long Position { get => Written.Length; set => throw new NotSupportedException(); }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Writes.Add(buffer.Length);
            Written.Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }

    /// <summary>Accepts <paramref name="accept"/> bytes as a destination, then fails; as a source, fails at once.</summary>
    private sealed class FailingStream(int accept) : Stream
    {
        private long _written;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _written; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => throw new IOException("the source failed");

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromException<int>(new IOException("the source failed"));

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _written += buffer.Length;
            return _written > accept ? ValueTask.FromException(new IOException("the destination failed")) : ValueTask.CompletedTask;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
