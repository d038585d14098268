using Microsoft.Extensions.Time.Testing;
using Sonia.Gateway.Streaming;

namespace Sonia.Tests.Streaming;

/// <summary>A session's events reach the socket in the order they were published; a lost one is not waited on for good.</summary>
public sealed class EventOrderTests
{
    private static readonly TimeSpan Window = TimeSpan.FromMilliseconds(250);
    private readonly FakeTimeProvider _time = new();
    private readonly List<long> _delivered = [];

    [Fact]
    public void InOrder_IsDeliveredAtOnce()
    {
        using var order = New();

        Add(order, 1, 2, 3);

        Assert.Equal([1, 2, 3], _delivered);
    }

    [Fact]
    public void EarlyEvent_WaitsForTheOneBeforeIt()
    {
        using var order = New();

        Add(order, 1, 3);
        Assert.Equal([1], _delivered);
        Add(order, 2);

        Assert.Equal([1, 2, 3], _delivered);
    }

    [Fact]
    public void Gap_IsSkippedAfterTheWindow_NotBefore_AndALateEventStillArrives()
    {
        using var order = New();
        Add(order, 1, 3, 4);

        _time.Advance(Window - TimeSpan.FromMilliseconds(1));
        Assert.Equal([1], _delivered);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal([1, 3, 4], _delivered);

        Add(order, 5, 2);
        Assert.Equal([1, 3, 4, 5, 2], _delivered);
    }

    [Fact]
    public void FirstEventAfterOne_IsHeldForTheWindow_InCaseEarlierOnesAreOnTheirWay()
    {
        using var order = New();

        Add(order, 8, 7);
        Assert.Empty(_delivered);
        _time.Advance(Window);

        Assert.Equal([7, 8], _delivered);
        Add(order, 9);
        Assert.Equal([7, 8, 9], _delivered);
    }

    [Fact]
    public void SequenceStartingAgainAtOne_IsANewActivation()
    {
        using var order = New();
        Add(order, 1, 2, 3);

        Add(order, 1, 2);

        Assert.Equal([1, 2, 3, 1, 2], _delivered);
    }

    private EventOrder New() => new(frame => _delivered.Add(BitConverter.ToInt64(frame)), Window, _time);

    private static void Add(EventOrder order, params long[] sequences)
    {
        foreach (var sequence in sequences)
        {
            order.Add(sequence, BitConverter.GetBytes(sequence));
        }
    }
}
