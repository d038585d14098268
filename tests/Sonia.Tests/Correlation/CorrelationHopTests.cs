using Sonia.Hosting.Correlation;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Correlation;

[Collection(SoniaClusterCollection.Name)]
public sealed class CorrelationHopTests(SoniaClusterFixture fixture)
{
    [Fact]
    public async Task CorrelationId_IsSeenTwoHopsAway()
    {
        var id = $"hop-{Guid.NewGuid():N}";
        RequestContext.Set(CorrelationId.Key, id);
        try
        {
            var seen = await fixture.Cluster.Client.GetGrain<ICorrelationProbeGrain>(Guid.NewGuid().ToString()).SeenAfterAsync(2, clearContext: false);
            Assert.Equal(id, seen);
        }
        finally
        {
            RequestContext.Clear();
        }
    }

    [Fact]
    public async Task CorrelationId_SurvivesGrainCodeClearingRequestContext()
    {
        var id = $"clear-{Guid.NewGuid():N}";
        RequestContext.Set(CorrelationId.Key, id);
        try
        {
            var seen = await fixture.Cluster.Client.GetGrain<ICorrelationProbeGrain>(Guid.NewGuid().ToString()).SeenAfterAsync(2, clearContext: true);
            Assert.Equal(id, seen);
        }
        finally
        {
            RequestContext.Clear();
        }
    }

    [Fact]
    public async Task CallWithoutCorrelationId_GetsSystemId()
    {
        RequestContext.Clear();
        var seen = await fixture.Cluster.Client.GetGrain<ICorrelationProbeGrain>(Guid.NewGuid().ToString()).SeenAfterAsync(1, clearContext: false);
        Assert.NotNull(seen);
        Assert.StartsWith("sys_", seen);
    }
}
