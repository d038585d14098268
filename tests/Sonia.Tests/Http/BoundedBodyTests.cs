using System.Text;
using Sonia.Grains.Http;

namespace Sonia.Tests.Http;

/// <summary>
/// The one bounded body reader behind the HTTP executor and the router and memory adapters: it returns the text up to the
/// limit and stops reading at the first byte past it.
/// </summary>
public sealed class BoundedBodyTests
{
    [Fact]
    public async Task BodyOfExactlyTheLimit_IsTheText()
    {
        var body = await BoundedBody.ReadAsync(Content(out _, "abcd", "efgh"), 8, CancellationToken.None);

        Assert.False(body.OverLimit);
        Assert.Equal("abcdefgh", body.Text);
    }

    [Fact]
    public async Task OneByteOverTheLimit_IsOverTheLimit()
    {
        var body = await BoundedBody.ReadAsync(Content(out _, "abcd", "efghi"), 8, CancellationToken.None);

        Assert.True(body.OverLimit);
        Assert.Null(body.Text);
        Assert.Null(body.DeclaredBytes);
    }

    [Fact]
    public async Task EmptyBody_IsEmptyText()
    {
        var body = await BoundedBody.ReadAsync(Content(out _), 8, CancellationToken.None);

        Assert.False(body.OverLimit);
        Assert.Equal(string.Empty, body.Text);
    }

    [Fact]
    public async Task ManyChunks_AreJoinedIntoOneText_IncludingACharacterSplitBetweenChunks()
    {
        var euro = Encoding.UTF8.GetBytes("€");
        var content = Content(out _, [Encoding.UTF8.GetBytes("price: "), euro[..1], euro[1..], Encoding.UTF8.GetBytes("5")]);

        var body = await BoundedBody.ReadAsync(content, 1024, CancellationToken.None);

        Assert.Equal("price: €5", body.Text);
    }

    [Fact]
    public async Task LongerBody_StopsReadingAtTheChunkThatCrossesTheLimit()
    {
        var content = Content(out var stream, "aaaa", "bbbb", "cccc", "dddd", "eeee");

        var body = await BoundedBody.ReadAsync(content, 10, CancellationToken.None);

        Assert.True(body.OverLimit);
        Assert.Equal(3, stream.ChunksRead);
    }

    [Fact]
    public async Task DeclaredLengthOverTheLimit_IsOverTheLimitWithoutReadingTheBody()
    {
        var content = Content(out var stream, "abcd");
        content.Headers.ContentLength = 9;

        var body = await BoundedBody.ReadAsync(content, 8, CancellationToken.None);

        Assert.True(body.OverLimit);
        Assert.Equal(9, body.DeclaredBytes);
        Assert.Equal(0, stream.ChunksRead);
    }

    [Fact]
    public async Task Cancellation_EndsAReadThatWaitsForMoreBody()
    {
        var content = new StreamContent(new ChunkStream([Encoding.UTF8.GetBytes("abcd")], hangAtEnd: true));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => BoundedBody.ReadAsync(content, 1024, cancel.Token));
    }

    private static StreamContent Content(out ChunkStream stream, params string[] chunks) =>
        Content(out stream, chunks.Select(Encoding.UTF8.GetBytes).ToArray());

    private static StreamContent Content(out ChunkStream stream, byte[][] chunks)
    {
        stream = new ChunkStream(chunks, hangAtEnd: false);
        return new StreamContent(stream);
    }

    /// <summary>A body that arrives one chunk per read, without a length (so chunked), and may never end.</summary>
    private sealed class ChunkStream(byte[][] chunks, bool hangAtEnd) : Stream
    {
        public int ChunksRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (ChunksRead == chunks.Length)
            {
                if (hangAtEnd)
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }

                return 0;
            }

            var chunk = chunks[ChunksRead++];
            chunk.CopyTo(buffer);
            return chunk.Length;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
