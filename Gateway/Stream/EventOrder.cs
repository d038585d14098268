namespace Sonia.Gateway.Streaming;

/// <summary>
/// Puts a session's events back in the order the session published them. Orleans does not promise that one-way
/// calls arrive in the order they were sent, so each event carries its activation's <c>Sequence</c> (1, 2, 3, …).
/// An event that arrives early is held until the ones before it arrive, or for at most <paramref name="window"/>:
/// a gap that is still open then (an event lost with a dropped subscription) is skipped, never waited on for good.
/// A sequence that starts again at 1 is a new activation of the session (after a move or a restart).
/// </summary>
public sealed class EventOrder(Action<byte[]> deliver, TimeSpan window, TimeProvider time) : IDisposable
{
    /// <summary>More held than this and the gap is given up at once: an early event never waits behind many.</summary>
    public const int MaxHeld = 256;

    private readonly Lock _lock = new();
    private readonly SortedDictionary<long, byte[]> _held = [];
    private long? _next;
    private ITimer? _timer;

    public void Add(long sequence, byte[] frame)
    {
        if (sequence <= 0)
        {
            // Not numbered: nothing to order it by.
            deliver(frame);
            return;
        }

        lock (_lock)
        {
            if (sequence == 1 && _next is > 1)
            {
                // A new activation: what the old one left held will not be completed.
                Flush();
                _next = 1;
            }

            if (_next is { } next && sequence < next)
            {
                // Later than a gap already skipped: late, but not lost.
                deliver(frame);
                return;
            }

            _held[sequence] = frame;
            _next ??= sequence == 1 ? 1 : null;
            Drain();
            if (_held.Count > MaxHeld)
            {
                Flush();
            }

            if (_held.Count > 0)
            {
                _timer ??= time.CreateTimer(_ => GiveUp(), null, window, Timeout.InfiniteTimeSpan);
            }
            else
            {
                _timer?.Dispose();
                _timer = null;
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _timer?.Dispose();
            _timer = null;
        }
    }

    private void GiveUp()
    {
        lock (_lock)
        {
            _timer?.Dispose();
            _timer = null;
            Flush();
        }
    }

    /// <summary>Delivers what follows on from the last delivered event.</summary>
    private void Drain()
    {
        while (_next is { } next && _held.Remove(next, out var frame))
        {
            deliver(frame);
            _next = next + 1;
        }
    }

    /// <summary>Delivers everything held, in order, skipping the gaps; what comes next follows the last of it.</summary>
    private void Flush()
    {
        foreach (var (sequence, frame) in _held)
        {
            deliver(frame);
            _next = sequence + 1;
        }

        _held.Clear();
    }
}
