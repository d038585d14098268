using System.Buffers;
using System.Text;

namespace Sonia.Grains.Http;

/// <summary>
/// An HTTP body read in chunks that stops at a byte limit: a service that answers too much (or forever) costs at most
/// that much memory. Callers turn <see cref="OverLimit"/> into their own error.
/// </summary>
/// <param name="Text">The body as UTF-8 text; null when it was over the limit.</param>
/// <param name="DeclaredBytes">The Content-Length that was over the limit, when that is how it was found out.</param>
public readonly record struct BoundedBody(string? Text, long? DeclaredBytes)
{
    private const int ChunkBytes = 16 * 1024;

    /// <summary>The body (declared or read) was longer than the limit; <see cref="Text"/> is null.</summary>
    public bool OverLimit => Text is null;

    /// <summary>
    /// Reads <paramref name="content"/> up to <paramref name="maxBytes"/>: over the limit as soon as its Content-Length
    /// says so, else as soon as one byte past the limit arrives, without reading the rest.
    /// </summary>
    public static async Task<BoundedBody> ReadAsync(HttpContent content, long maxBytes, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength is { } declared && declared > maxBytes)
        {
            return new BoundedBody(null, declared);
        }

        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        using var body = new MemoryStream();
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer.AsMemory(0, ChunkBytes), cancellationToken)) > 0)
            {
                if (body.Length + read > maxBytes)
                {
                    return new BoundedBody(null, null);
                }

                body.Write(buffer, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return new BoundedBody(Encoding.UTF8.GetString(body.GetBuffer(), 0, (int)body.Length), null);
    }
}
