using System.Text;
using Sonia.Grains.Breakers;
using Sonia.Grains.Interfaces.Breakers;
using Sonia.Grains.Storage;

namespace Sonia.Tests.Storage;

/// <summary>Issue 9, item 11: grain state stores enums by name, and state written with integers still reads.</summary>
public sealed class GrainStateJsonTests
{
    private readonly SnakeCaseJsonGrainStorageSerializer _serializer = new();

    [Fact]
    public void BreakerState_IsStoredByName_NotAsAnInteger()
    {
        var state = new CircuitBreakerState { Machine = { State = BreakerState.HalfOpen } };

        var json = _serializer.Serialize(state).ToString();

        Assert.Contains("\"state\":\"half_open\"", json, StringComparison.Ordinal);
        Assert.Equal(BreakerState.HalfOpen, _serializer.Deserialize<CircuitBreakerState>(BinaryData.FromString(json))!.Machine.State);
    }

    [Fact]
    public void StateWrittenWithIntegerEnums_StillReads()
    {
        var old = Encoding.UTF8.GetBytes("""{"machine":{"state":3},"minutes":[],"transitions":[],"manual_actions":[]}""");

        var state = _serializer.Deserialize<CircuitBreakerState>(new BinaryData(old));

        Assert.Equal(BreakerState.Isolated, state!.Machine.State);
    }
}
