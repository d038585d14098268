using System.Buffers;
using System.Threading.Channels;

namespace Sonia.Grains.Backups;

/// <summary>
/// Copies a stream to another with a reader and a writer running at once, up to <see cref="Buffers"/> buffers apart. Between
/// two database connections (a COPY out feeding a COPY in), a plain read-then-write loop keeps each server waiting for the
/// other in turn; piped, both work at the same time.
/// </summary>
public static class PipedCopy
{
    public const int BufferBytes = 64 * 1024;
    public const int Buffers = 64;

    /// <summary>
    /// Copies <paramref name="source"/> to its end into <paramref name="destination"/>; a failure on either side ends both.
    /// </summary>
    public static async Task CopyAsync(Stream source, Stream destination, CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<(byte[] Buffer, int Count)>(new BoundedChannelOptions(Buffers)
        {
            SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait,
        });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // The source's reads get the caller's token only: stopping early (below) lets a read in progress finish, so the
        // source stays whole and a caller may read on from where it stopped (a test restore that failed still hashes all).
        var reading = ReadAsync(source, channel.Writer, cancellationToken, stop.Token);
        try
        {
            await foreach (var (buffer, count) in channel.Reader.ReadAllAsync(stop.Token))
            {
                try
                {
                    await destination.WriteAsync(buffer.AsMemory(0, count), stop.Token);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        catch when (!reading.IsCompleted)
        {
            // The writer failed: the reader stops too, and the writer's error is the one reported.
            await stop.CancelAsync();
            await reading.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            throw;
        }

        await reading;
    }

    private static async Task ReadAsync(Stream source, ChannelWriter<(byte[], int)> writer, CancellationToken readToken,
        CancellationToken stopToken)
    {
        // Off the caller's path: the first read must not run synchronously before the writer loop starts.
        await Task.Yield();
        try
        {
            while (true)
            {
                var buffer = ArrayPool<byte>.Shared.Rent(BufferBytes);
                int read;
                try
                {
                    read = await FillAsync(source, buffer, readToken);
                    if (read > 0)
                    {
                        await writer.WriteAsync((buffer, read), stopToken);
                    }
                }
                catch
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    throw;
                }

                if (read == 0)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    break;
                }
            }

            writer.Complete();
        }
        catch (Exception ex)
        {
            writer.Complete(ex);
            throw;
        }
    }

    /// <summary>
    /// Reads until <paramref name="buffer"/> is full or the source ends; the count read (0: the end). A COPY out returns one
    /// row per read (a few hundred bytes) and a chunked artifact one chunk: handing each on alone cost a thread switch per
    /// row. The reads after the first mostly complete at once from the connection's buffer.
    /// </summary>
    private static async Task<int> FillAsync(Stream source, byte[] buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < BufferBytes)
        {
            var read = await source.ReadAsync(buffer.AsMemory(filled, BufferBytes - filled), cancellationToken);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        return filled;
    }
}
