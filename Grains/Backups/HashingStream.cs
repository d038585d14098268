using System.Security.Cryptography;

namespace Sonia.Grains.Backups;

/// <summary>
/// A write-only pass-through that hashes (SHA-256) and counts the bytes and lines of what goes to <paramref name="inner"/>
/// (null: nowhere); with a <paramref name="profile"/>, hashing and the inner writes are timed. With
/// <paramref name="segmentBytes"/>, it also hashes each segment of that many bytes on its own (<see cref="Segments"/>): the
/// first segment's digest is the whole digest at its end, so only what comes after it is hashed twice.
/// </summary>
public sealed class HashingStream(
    Stream? inner,
    BackupProfile? profile = null,
    string hashPhase = BackupProfile.Hashing,
    string innerPhase = BackupProfile.Storage,
    long segmentBytes = 0) : Stream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly List<(long Bytes, string Sha256)> _segments = [];
    private IncrementalHash? _segment;
    private long _inSegment;

    public long Bytes { get; private set; }

    /// <summary>
    /// After <see cref="Finish"/>: each segment's bytes and SHA-256, in order, when what was written spans more than one
    /// segment; null otherwise (or without segments).
    /// </summary>
    public IReadOnlyList<(long Bytes, string Sha256)>? Segments => _segments.Count > 1 ? _segments : null;

    /// <summary>How many <c>\n</c> bytes went through: the rows of a canonical artifact.</summary>
    public long Lines { get; private set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => Bytes;

    public override long Position { get => Bytes; set => throw new NotSupportedException(); }

    /// <summary>The digest of everything written, lower-case hex; ends the hashing (and the last segment).</summary>
    public string Finish()
    {
        if (_segment is not null && _inSegment > 0)
        {
            _segments.Add((_inSegment, Convert.ToHexStringLower(_segment.GetHashAndReset())));
            _inSegment = 0;
        }

        return Convert.ToHexStringLower(_hash.GetHashAndReset());
    }

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
        Lines += buffer.Count((byte)'\n');
        while (!buffer.IsEmpty)
        {
            var piece = segmentBytes > 0 ? buffer[..(int)Math.Min(buffer.Length, segmentBytes - _inSegment)] : buffer;
            _hash.AppendData(piece);
            _segment?.AppendData(piece);
            Bytes += piece.Length;
            _inSegment += piece.Length;
            buffer = buffer[piece.Length..];
            if (segmentBytes > 0 && _inSegment == segmentBytes)
            {
                _segments.Add((_inSegment, Convert.ToHexStringLower(_segment?.GetHashAndReset() ?? _hash.GetCurrentHash())));
                _segment ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                _inSegment = 0;
            }
        }

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
            _segment?.Dispose();
        }

        base.Dispose(disposing);
    }
}
