using System.Threading.Channels;

namespace Sonia.Gateway.Streaming;

/// <summary>
/// The frames waiting to be sent to one client: a bounded queue with a single sender. A client that stops reading
/// fills it; the first frame that does not fit marks the outbox <see cref="Overflowed"/> (the socket is then closed)
/// instead of buffering without bound.
/// </summary>
public sealed class StreamOutbox(int capacity)
{
    private readonly Channel<byte[]> _frames = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(capacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private readonly TaskCompletionSource _overflowed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _completed;

    public int Capacity { get; } = capacity;

    /// <summary>Completes when a frame did not fit because the client is not reading.</summary>
    public Task Overflowed => _overflowed.Task;

    public ChannelReader<byte[]> Reader => _frames.Reader;

    /// <summary>The socket is closing: nothing more will be queued.</summary>
    public bool Closing => _completed;

    /// <summary>Queues <paramref name="frame"/>; false when it was dropped (outbox full or closing).</summary>
    public bool Post(byte[] frame)
    {
        if (_frames.Writer.TryWrite(frame))
        {
            return true;
        }

        if (!_completed)
        {
            _overflowed.TrySetResult();
        }

        return false;
    }

    /// <summary>No more frames: the sender sends what is queued and stops.</summary>
    public void Complete()
    {
        _completed = true;
        _frames.Writer.TryComplete();
    }
}
