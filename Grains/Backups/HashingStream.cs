using System.Security.Cryptography;

namespace Sonia.Grains.Backups;

/// <summary>
/// A write-only pass-through that hashes (SHA-256) and counts the bytes and lines of what goes to <paramref name="inner"/>
/// (null: nowhere); with a <paramref name="profile"/>, hashing and the inner writes are timed.
/// </summary>
public sealed class HashingStream(
    Stream? inner,
    BackupProfile? profile = null,
    string hashPhase = BackupProfile.Hashing,
    string innerPhase = BackupProfile.Storage) : Stream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public long Bytes { get; private set; }

    /// <summary>How many <c>\n</c> bytes went through: the rows of a canonical artifact.</summary>
    public long Lines { get; private set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => Bytes;

    public override long Position { get => Bytes; set => throw new NotSupportedException(); }

    /// <summary>The digest of everything written, lower-case hex; ends the hashing.</summary>
    public string Finish() => Convert.ToHexStringLower(_hash.GetHashAndReset());

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Hash(buffer);
        var started = profile.Start();
        inner?.Write(buffer);
        profile.Stop(innerPhase, started);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Hash(buffer.Span);
        if (inner is not null)
        {
            var started = profile.Start();
            await inner.WriteAsync(buffer, cancellationToken);
            profile.Stop(innerPhase, started);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => inner?.Flush();

    private void Hash(ReadOnlySpan<byte> buffer)
    {
        var started = profile.Start();
        _hash.AppendData(buffer);
        Bytes += buffer.Length;
        Lines += buffer.Count((byte)'\n');
        profile.Stop(hashPhase, started);
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }
}
